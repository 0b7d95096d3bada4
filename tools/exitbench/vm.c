// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * exitbench VM set-up, in the manner of the KVM selftests' riscv library:
 * create the VM, give it one memory region, create the vCPUs and set their
 * core registers with KVM_SET_ONE_REG.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <asm/kvm.h>

#include "vm.h"

#define CORE_REG(name) (KVM_REG_RISCV | KVM_REG_SIZE_U64 | KVM_REG_RISCV_CORE | \
			KVM_REG_RISCV_CORE_REG(name))

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int eb_kvm_open(char *err, size_t errlen)
{
	struct stat st;
	int fd, ver;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && stat("/sys/module/kvm", &st) != 0)
			return fail(err, errlen, "kvm.ko is not loaded (no /sys/module/kvm, no /dev/kvm): load it with 'modprobe kvm' or 'insmod kvm.ko'");
		if (errno == ENOENT)
			return fail(err, errlen, "no /dev/kvm although kvm is loaded: is devtmpfs mounted, or is the hypervisor extension missing?");
		return fail(err, errlen, "cannot open /dev/kvm: %s", strerror(errno));
	}
	ver = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		close(fd);
		return fail(err, errlen, "/dev/kvm speaks KVM API %d, exitbench needs %d", ver, KVM_API_VERSION);
	}
	return fd;
}

static int set_reg(struct eb_vcpu *v, uint64_t id, uint64_t val, const char *name,
		   char *err, size_t errlen)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	if (ioctl(v->fd, KVM_SET_ONE_REG, &reg) < 0)
		return fail(err, errlen, "VM %d vCPU %d: KVM_SET_ONE_REG(%s): %s",
			    v->vm->index, v->id, name, strerror(errno));
	return 0;
}

volatile uint64_t *eb_vcpu_slot(struct eb_vcpu *v)
{
	return (volatile uint64_t *)(v->vm->mem + EB_GUEST_DATA_OFF + (size_t)v->id * EB_SLOT_SIZE);
}

int eb_vcpu_setup(struct eb_vcpu *v, int kind, long n, long batch, char *err, size_t errlen)
{
	uint64_t slot = EB_GUEST_BASE + EB_GUEST_DATA_OFF + (uint64_t)v->id * EB_SLOT_SIZE;
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };

	/* KVM powers off every vCPU but the first (SBI HSM would start them) */
	if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) < 0)
		return fail(err, errlen, "VM %d vCPU %d: KVM_SET_MP_STATE(RUNNABLE): %s",
			    v->vm->index, v->id, strerror(errno));

	if (set_reg(v, CORE_REG(regs.pc), EB_GUEST_BASE, "pc", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a0), (uint64_t)v->id, "a0", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a1), slot, "a1", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a2), (uint64_t)n, "a2", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a3), (uint64_t)kind, "a3", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a4), (uint64_t)batch, "a4", err, errlen) ||
	    set_reg(v, CORE_REG(regs.a5), EB_MMIO_ADDR, "a5", err, errlen) ||
	    set_reg(v, CORE_REG(mode), KVM_RISCV_MODE_S, "mode", err, errlen))
		return -1;
	return 0;
}

int eb_vm_create(struct eb_vm *vm, int kvm_fd, int index, int nr_vcpus,
		 const void *code, size_t code_size, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region region;
	struct eb_vcpu *v;
	int run_size, i;

	memset(vm, 0, sizeof(*vm));
	vm->index = index;
	vm->fd = -1;
	for (i = 0; i < EB_MAX_VCPUS; i++) {
		vm->vcpus[i].fd = -1;
		vm->vcpus[i].stats.fd = -1;
	}
	if (code_size > EB_GUEST_CODE_MAX)
		return fail(err, errlen, "guest code is %zu bytes, more than %d", code_size, EB_GUEST_CODE_MAX);

	vm->fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0)
		return fail(err, errlen, "VM %d: KVM_CREATE_VM: %s", index, strerror(errno));

	vm->mem = mmap(NULL, EB_GUEST_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		return fail(err, errlen, "VM %d: mmap of guest memory: %s", index, strerror(errno));
	}
	memcpy(vm->mem, code, code_size);
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = EB_GUEST_BASE,
		.memory_size = EB_GUEST_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)vm->mem,
	};
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail(err, errlen, "VM %d: KVM_SET_USER_MEMORY_REGION: %s", index, strerror(errno));

	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(struct kvm_run))
		return fail(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));

	for (i = 0; i < nr_vcpus; i++) {
		v = &vm->vcpus[i];
		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return fail(err, errlen, "VM %d: KVM_CREATE_VCPU(%d): %s", index, i, strerror(errno));
		vm->nr_vcpus = i + 1;
		v->run_size = (size_t)run_size;
		v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return fail(err, errlen, "VM %d vCPU %d: mmap of kvm_run: %s", index, i, strerror(errno));
		}
		if (eb_stats_open(&v->stats, v->fd, err, errlen))
			return -1;
	}
	return 0;
}

void eb_vm_destroy(struct eb_vm *vm)
{
	struct eb_vcpu *v;
	int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		v = &vm->vcpus[i];
		eb_stats_close(&v->stats);
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
	}
	if (vm->mem)
		munmap(vm->mem, EB_GUEST_SIZE);
	if (vm->fd >= 0)
		close(vm->fd);
	vm->fd = -1;
	vm->mem = NULL;
	vm->nr_vcpus = 0;
}

/*
 * Binary stats: header, descriptors (each followed by a name of
 * header.name_size bytes), data block of u64. Keep the cumulative
 * single-value counters; histograms and peaks say nothing per exit.
 */
int eb_stats_open(struct eb_stats_fd *s, int vcpu_fd, char *err, size_t errlen)
{
	struct kvm_stats_header hdr;
	struct kvm_stats_desc *d;
	size_t dsize, end;
	char *descs = NULL;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->fd = ioctl(vcpu_fd, KVM_GET_STATS_FD, NULL);
	if (s->fd < 0)
		return fail(err, errlen, "KVM_GET_STATS_FD: %s", strerror(errno));
	if (pread(s->fd, &hdr, sizeof(hdr), 0) != sizeof(hdr))
		return fail(err, errlen, "reading the KVM stats header: %s", strerror(errno));
	dsize = sizeof(*d) + hdr.name_size;
	descs = calloc(hdr.num_desc, dsize);
	if (!descs)
		return fail(err, errlen, "out of memory");
	if (pread(s->fd, descs, dsize * hdr.num_desc, hdr.desc_offset) != (ssize_t)(dsize * hdr.num_desc)) {
		free(descs);
		return fail(err, errlen, "reading the KVM stats descriptors: %s", strerror(errno));
	}
	s->data_offset = hdr.data_offset;
	for (i = 0; i < hdr.num_desc; i++) {
		d = (struct kvm_stats_desc *)(descs + i * dsize);
		end = (size_t)d->offset + (size_t)d->size * sizeof(uint64_t);
		if (end > s->data_size)
			s->data_size = end;
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    (d->flags & KVM_STATS_UNIT_MASK) != KVM_STATS_UNIT_NONE || d->size != 1)
			continue;
		if (s->n == EB_MAX_STATS)
			break;
		snprintf(s->names[s->n], EB_STAT_NAME, "%.*s", (int)hdr.name_size, d->name);
		s->offsets[s->n] = d->offset;
		s->n++;
	}
	free(descs);
	s->buf = malloc(s->data_size ? s->data_size : 1);
	if (!s->buf)
		return fail(err, errlen, "out of memory");
	return 0;
}

int eb_stats_read(struct eb_stats_fd *s, uint64_t *values)
{
	unsigned int i;

	if (pread(s->fd, s->buf, s->data_size, s->data_offset) != (ssize_t)s->data_size)
		return -1;
	for (i = 0; i < s->n; i++)
		memcpy(&values[i], s->buf + s->offsets[i], sizeof(uint64_t));
	return 0;
}

void eb_stats_close(struct eb_stats_fd *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->buf);
	s->buf = NULL;
}
