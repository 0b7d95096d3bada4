# SPDX-License-Identifier: GPL-2.0
# A guest job that plants links to host paths in its job directory and
# exits 3 (busybox sh), run by tests/e2e/run smoke: scripts/run-qemu must
# drop the links before it reads the status or keeps the directory, and
# hand back exactly 3.
# shellcheck shell=sh
ln -s /etc/hostname /job/leak
ln -s / /job/rootdir
exit 3
