// Package durable writes files and directory entries so that they survive a
// power cut: data is fsync'ed before it is named, and a directory is
// fsync'ed after an entry in it was created, renamed or removed.
//
// On Linux a successful write, create or rename only reaches the page
// cache. After a power cut the disk holds a file's data only up to its
// last fsync, and a directory's entries only up to the directory's last
// fsync. A file that was created, renamed into place or moved aside
// without syncing its directory may be gone, or back under its old name.
//
// The package does not lock files against other writers and does not
// retry; errors name the path and the step that failed.
package durable
