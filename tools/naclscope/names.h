/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Names for naclscope keys: exit reasons (RISC-V scause), SBI calls, CSRs, paths, modes. */
#ifndef NACLSCOPE_NAMES_H
#define NACLSCOPE_NAMES_H

#include <stddef.h>
#include <stdint.h>

const char *ns_path_name(unsigned int path);
const char *ns_mode_name(unsigned int mode);
/* Inverse of the two above; -1 for an unknown name. */
int ns_path_parse(const char *s);
int ns_mode_parse(const char *s);

/* "s_timer", "virtual_instruction", ...; NULL when the cause has no name */
const char *ns_cause_name(int intr, unsigned int cause);
/* "NACL", "TIME", ...; NULL when unknown */
const char *ns_sbi_ext_name(uint32_t ext);
/* "sync_csr", "set_timer", ...; NULL when unknown */
const char *ns_sbi_fid_name(uint32_t ext, uint32_t fid);
const char *ns_csr_name(unsigned int csr);

/*
 * The full reason, e.g. "irq:s_timer", "exc:ecall_vs/NACL.sync_csr",
 * "exc:virtual_instruction/csr:hstatus"; unknown numbers in hex.
 */
void ns_reason_name(int intr, uint32_t cause, uint32_t ext, uint32_t sub, char *buf, size_t len);

const char *ns_hfence_type_name(unsigned int type);
const char *ns_hfence_via_name(unsigned int via);
const char *ns_nacl_fid_name(unsigned int fid);

#endif /* NACLSCOPE_NAMES_H */
