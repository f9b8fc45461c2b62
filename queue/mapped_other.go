//go:build !linux

package queue

// dropPages does nothing where madvise is not used: the pages stay mapped
// until the kernel reclaims them.
func dropPages(addr, n uintptr) error { return nil }
