package queue

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// dropPages advises the kernel that the mapped range [addr, addr+n) is not
// needed (MADV_DONTNEED). addr is the start of bbolt's map, page aligned.
func dropPages(addr, n uintptr) error {
	if addr == 0 || n == 0 {
		return nil
	}
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, n, unix.MADV_DONTNEED); errno != 0 {
		return fmt.Errorf("queue: release mapped pages: madvise: %w", errno)
	}
	return nil
}
