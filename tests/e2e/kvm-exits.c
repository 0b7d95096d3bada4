// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-exits: the smallest KVM user of the naclscope kernel test. It
 * creates a VM with one vCPU whose guest makes N SBI calls to the
 * experimental extension 0x08000000 (each one a KVM_EXIT_RISCV_SBI to
 * user space), then a last call with function 1 that ends the run.
 * Afterwards it prints the vCPU's KVM binary statistics
 * (KVM_GET_STATS_FD), so a test can compare them with what tracing saw
 * while the VM still existed.
 *
 * Output, one fact per line:
 *   vm_pid <pid>
 *   sbi_exits <n>            SBI exits handled (N + 1)
 *   runs <n>                 KVM_RUN calls
 *   other_exits <n>          exits to user space that were not SBI calls
 *   debugfs_vm_id <id>       /sys/kernel/debug/kvm/<pid>-<vmfd>/vm_id ("-" if absent)
 *   stat <name> <value>      every vCPU statistic
 *
 * With -c it then checks the debugfs clear of the VM's statistics, which
 * the kernel series must keep consistent with the statistics it derives
 * when they are read: it clears exits, then switch_to_entries, through
 * /sys/kernel/debug/kvm/<pid>-<vmfd>/, printing every statistic after
 * each (prefixes "cleared_exits" and "cleared_entries" instead of "stat",
 * and "debugfs_cleared_..." for the values debugfs reads), then
 * runs the guest again and prints them once more (prefix "rerun").
 *
 * With -l the guest instead makes N SBI calls that KVM handles in the
 * kernel (base extension, get_spec_version), all in one KVM_RUN, then
 * the last call; meanwhile a second thread reads the vCPU statistics
 * (KVM_GET_STATS_FD, one pread of the data block each) and checks that
 * every snapshot has switch_to_entries = hstatus_direct = exits, i.e.
 * that the counters the series derives when they are read are current
 * while the vCPU runs. Output adds:
 *   live_reads <n>           snapshots taken
 *   live_midrun <n>          snapshots with exits strictly inside the run
 *   live_mismatch <n>        snapshots where the counters disagreed
 *
 * usage: kvm-exits [-c | -l] [N]   (default N: 100)
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#define GUEST_BASE	0x80000000UL
#define GUEST_SIZE	0x10000UL
#define EXT_EXPERIMENTAL	0x08000000UL
#define EXT_BASE		0x10UL

/*
 * Guest code, position independent, entered with a0 = N and a1 = the SBI
 * extension of the N calls: N calls of function 0 of that extension
 * (0x08000000, experimental: exits to user space; 0x10, base: KVM handles
 * them), then function 1 of the experimental extension, then again from
 * the start with a0 = what function 1 returned (only -c gets that far).
 */
extern const char guest_start[], guest_end[];
__asm__(
	".pushsection .rodata\n"
	".balign 4\n"
	".option push\n"
	".option norvc\n"
	"guest_start:\n"
	"	mv	s1, a1\n"
	"3:	mv	s0, a0\n"
	"	beqz	s0, 2f\n"
	"1:	mv	a7, s1\n"
	"	li	a6, 0\n"
	"	ecall\n"
	"	addi	s0, s0, -1\n"
	"	bnez	s0, 1b\n"
	"2:	li	a7, 0x08000000\n"
	"	li	a6, 1\n"
	"	ecall\n"
	"	j	3b\n"
	"guest_end:\n"
	".option pop\n"
	".popsection\n");

static void die(const char *what)
{
	fprintf(stderr, "kvm-exits: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&val };

	if (ioctl(vcpu, KVM_SET_ONE_REG, &reg) < 0)
		die("KVM_SET_ONE_REG");
}

static uint64_t core_reg(unsigned long off)
{
	return KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE |
	       (off / sizeof(unsigned long));
}

/*
 * Open the vCPU's statistics: the fd, its header and its descriptors
 * (*dsz bytes each; the caller frees them).
 */
static int stats_open(int vcpu, struct kvm_stats_header *hdr, char **descs, size_t *dsz)
{
	int fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		die("KVM_GET_STATS_FD");
	if (pread(fd, hdr, sizeof(*hdr), 0) != sizeof(*hdr))
		die("reading the stats header");
	*dsz = sizeof(struct kvm_stats_desc) + hdr->name_size;
	*descs = calloc(hdr->num_desc, *dsz);
	if (!*descs)
		die("calloc");
	if (pread(fd, *descs, *dsz * hdr->num_desc, hdr->desc_offset) !=
	    (ssize_t)(*dsz * hdr->num_desc))
		die("reading the stats descriptors");
	return fd;
}

static void print_stats(int vcpu, const char *prefix)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *d;
	size_t dsz;
	char *descs;
	int fd = stats_open(vcpu, &hdr, &descs, &dsz);

	for (uint32_t i = 0; i < hdr.num_desc; i++) {
		uint64_t v;

		d = (struct kvm_stats_desc *)(descs + i * dsz);
		if (d->size != 1)
			continue;
		if (pread(fd, &v, sizeof(v), hdr.data_offset + d->offset) != sizeof(v))
			die("reading a statistic");
		printf("%s %s %" PRIu64 "\n", prefix, d->name, v);
	}
	free(descs);
	close(fd);
}

/* The VM's id as its debugfs directory shows it, "-" if unreadable */
static void print_debugfs_vm_id(int vm)
{
	char path[64], buf[32] = "-\n";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/vm_id", (int)getpid(), vm);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "-\n");
		fclose(f);
	}
	printf("debugfs_vm_id %s", buf);
}

/* Write 0 to the VM's debugfs file of statistic @name: clears it */
static void debugfs_clear(int vm, const char *name)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s", (int)getpid(), vm, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	if (write(fd, "0\n", 2) != 2)
		die(path);
	close(fd);
}

/* Print the VM's debugfs value of statistic @name, after @label */
static void print_debugfs(int vm, const char *label, const char *name)
{
	char path[96], buf[32];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/%s", (int)getpid(), vm, name);
	f = fopen(path, "r");
	if (!f)
		die(path);
	if (!fgets(buf, sizeof(buf), f))
		die(path);
	fclose(f);
	printf("%s %s %s", label, name, buf);
}

/*
 * Run the guest until its last call (function 1), counting the SBI exits,
 * KVM_RUN calls and other exits to user space. 0, or 1 on an exit the
 * guest does not make.
 */
static int run_guest(int vcpu, struct kvm_run *run, unsigned long *sbi,
		     unsigned long *runs, unsigned long *other)
{
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		(*runs)++;
		if (run->exit_reason != KVM_EXIT_RISCV_SBI) {
			if (run->exit_reason == KVM_EXIT_INTR) {
				(*other)++;
				continue;
			}
			fprintf(stderr, "kvm-exits: unexpected exit reason %u\n",
				run->exit_reason);
			return 1;
		}
		if (run->riscv_sbi.extension_id != EXT_EXPERIMENTAL) {
			fprintf(stderr, "kvm-exits: unexpected SBI call ext 0x%lx fid %lu\n",
				run->riscv_sbi.extension_id, run->riscv_sbi.function_id);
			return 1;
		}
		(*sbi)++;
		run->riscv_sbi.ret[0] = 0;
		run->riscv_sbi.ret[1] = 0;
		if (run->riscv_sbi.function_id == 1)
			return 0;
	}
}

/* -l: what the reader thread shares with main() */
#define LIVE_MAX	65536
static struct {
	int fd;
	off_t data_offset;
	size_t data_size;
	int exits, entries, direct;	/* indexes in the data block */
	volatile int stop;
	volatile unsigned long reads;
	unsigned long mismatch, kept;
	uint64_t seen[LIVE_MAX];
} live;

/* Index of statistic @name in the data block, from the descriptors, or die */
static int stat_index(const struct kvm_stats_header *hdr, const char *descs, size_t dsz,
		      const char *name)
{
	const struct kvm_stats_desc *d;
	int idx = -1;

	for (uint32_t i = 0; i < hdr->num_desc; i++) {
		d = (const struct kvm_stats_desc *)(descs + i * dsz);
		if (!strcmp(d->name, name))
			idx = d->offset / sizeof(uint64_t);
	}
	if (idx < 0) {
		fprintf(stderr, "kvm-exits: no statistic %s\n", name);
		exit(1);
	}
	return idx;
}

static void *live_reader(void *arg)
{
	uint64_t *v = malloc(live.data_size);

	(void)arg;
	if (!v)
		die("malloc");
	while (!live.stop) {
		if (pread(live.fd, v, live.data_size, live.data_offset) !=
		    (ssize_t)live.data_size)
			die("reading the statistics");
		if (v[live.entries] != v[live.exits] || v[live.direct] != v[live.exits])
			live.mismatch++;
		if (live.kept < LIVE_MAX)
			live.seen[live.kept++] = v[live.exits];
		live.reads++;
	}
	free(v);
	return NULL;
}

/* -l: run the guest while a second thread reads the statistics */
static int run_live(int vcpu, struct kvm_run *run, unsigned long *sbi,
		    unsigned long *runs, unsigned long *other)
{
	struct kvm_stats_header hdr;
	uint64_t before, after;
	unsigned long midrun = 0;
	size_t dsz;
	char *descs;
	pthread_t t;
	int r;

	live.fd = stats_open(vcpu, &hdr, &descs, &dsz);
	live.exits = stat_index(&hdr, descs, dsz, "exits");
	live.entries = stat_index(&hdr, descs, dsz, "switch_to_entries");
	live.direct = stat_index(&hdr, descs, dsz, "hstatus_direct");
	free(descs);
	live.data_offset = hdr.data_offset;
	live.data_size = (size_t)(live.exits > live.entries ? live.exits : live.entries);
	if ((size_t)live.direct > live.data_size)
		live.data_size = live.direct;
	live.data_size = (live.data_size + 1) * sizeof(uint64_t);
	if (pread(live.fd, &before, sizeof(before),
		  hdr.data_offset + live.exits * sizeof(uint64_t)) != sizeof(before))
		die("reading exits");

	errno = pthread_create(&t, NULL, live_reader, NULL);
	if (errno)
		die("pthread_create");
	while (!live.reads)
		sched_yield();
	r = run_guest(vcpu, run, sbi, runs, other);
	live.stop = 1;
	pthread_join(t, NULL);
	if (pread(live.fd, &after, sizeof(after),
		  hdr.data_offset + live.exits * sizeof(uint64_t)) != sizeof(after))
		die("reading exits");
	for (unsigned long i = 0; i < live.kept; i++)
		if (live.seen[i] > before && live.seen[i] < after)
			midrun++;
	printf("live_reads %lu\nlive_midrun %lu\nlive_mismatch %lu\n",
	       live.reads, midrun, live.mismatch);
	close(live.fd);
	return r;
}

int main(int argc, char **argv)
{
	unsigned long n = 100, sbi = 0, runs = 0, other = 0;
	struct kvm_userspace_memory_region mr;
	struct kvm_run *run;
	int kvm, vm, vcpu, sz, clear = 0, in_kernel = 0, a = 1;
	char *end;
	void *mem;

	if (a < argc && !strcmp(argv[a], "-c")) {
		clear = 1;
		a++;
	} else if (a < argc && !strcmp(argv[a], "-l")) {
		in_kernel = 1;
		a++;
	}
	if (argc - a > 1 || (a < argc && argv[a][0] == '-')) {
		fprintf(stderr, "usage: kvm-exits [-c | -l] [N]\n");
		return 2;
	}
	if (a < argc) {
		errno = 0;
		n = strtoul(argv[a], &end, 0);
		if (errno || *end || end == argv[a]) {
			fprintf(stderr, "kvm-exits: not a number: '%s'\n", argv[a]);
			return 2;
		}
	}

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, GUEST_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap guest memory");
	memcpy(mem, guest_start, guest_end - guest_start);
	mr = (struct kvm_userspace_memory_region) {
		.slot = 0, .guest_phys_addr = GUEST_BASE,
		.memory_size = GUEST_SIZE, .userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &mr) < 0)
		die("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap kvm_run");

	/* The experimental SBI range is forwarded to user space once enabled */
	set_reg(vcpu, KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_SBI_EXT |
		KVM_REG_RISCV_SBI_SINGLE | KVM_RISCV_SBI_EXT_EXPERIMENTAL, 1);
	set_reg(vcpu, core_reg(offsetof(struct kvm_riscv_core, regs.pc)), GUEST_BASE);
	set_reg(vcpu, core_reg(offsetof(struct kvm_riscv_core, regs.a0)), n);
	set_reg(vcpu, core_reg(offsetof(struct kvm_riscv_core, regs.a1)),
		in_kernel ? EXT_BASE : EXT_EXPERIMENTAL);

	printf("vm_pid %d\n", (int)getpid());
	fflush(stdout);
	if (in_kernel ? run_live(vcpu, run, &sbi, &runs, &other) :
			run_guest(vcpu, run, &sbi, &runs, &other))
		return 1;
	printf("sbi_exits %lu\nruns %lu\nother_exits %lu\n", sbi, runs, other);
	print_debugfs_vm_id(vm);
	print_stats(vcpu, "stat");
	/* With -l only the last call reaches user space */
	if (sbi != (in_kernel ? 1 : n + 1)) {
		fprintf(stderr, "kvm-exits: guest made %lu SBI calls to user space, expected %lu\n",
			sbi, in_kernel ? 1UL : n + 1);
		return 1;
	}
	if (!clear)
		return 0;

	debugfs_clear(vm, "exits");
	print_debugfs(vm, "debugfs_cleared_exits", "exits");
	print_debugfs(vm, "debugfs_cleared_exits", "switch_to_entries");
	print_stats(vcpu, "cleared_exits");
	debugfs_clear(vm, "switch_to_entries");
	print_debugfs(vm, "debugfs_cleared_entries", "switch_to_entries");
	print_stats(vcpu, "cleared_entries");

	/* Function 1 returns N: the guest starts over */
	sbi = runs = other = 0;
	run->riscv_sbi.ret[0] = n;
	if (run_guest(vcpu, run, &sbi, &runs, &other))
		return 1;
	printf("rerun_sbi_exits %lu\nrerun_runs %lu\nrerun_other_exits %lu\n", sbi, runs, other);
	print_stats(vcpu, "rerun");
	return 0;
}
