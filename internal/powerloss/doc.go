// Package powerloss is a test filesystem that forgets, on command, what a
// disk would forget when the power fails.
//
// Mount serves a backing directory over FUSE at a mount point and passes
// every operation through to it, while it keeps track of what has been
// made durable, following the weakest guarantees POSIX and Linux give:
//
//   - A file's data is durable up to the last fsync or fdatasync of that
//     file. Writes and truncations after it live only in the page cache.
//     The tracking grain is the 4 KiB page.
//   - A directory's entries (files and directories created in it, renamed
//     into or out of it, linked or removed) are durable up to the last
//     fsync of that directory. Syncing a file does not make its name
//     durable, and syncing a directory does not make a file's data durable.
//   - Everything present when the filesystem was mounted is durable.
//
// Cut "cuts the power": it unmounts and rolls the backing directory back
// to its durable state. Unsynced pages get their old content back, files
// their old size, and every directory whose entries changed since its last
// fsync gets its old entries back: new names vanish, and files unlinked or
// renamed away come back under their old names with their durable content
// (the filesystem keeps unlinked files alive in a hidden attic next to the
// backing directory until the next Cut or Unmount). With CutOptions.Tear
// the last unsynced write is torn: each of its pages independently either
// reached the disk or did not. Afterwards the backing directory can be
// mounted again, as a machine boots after a power cut.
//
// The model is that of a plain disk without a journal that orders
// metadata: harsher than ext4's data=ordered mode, which is the point.
// It does not model extended attributes, modes, owners or times (changes
// to them are kept), fallocate hole punching (refused) or directories
// replaced by a rename (kept). Hard-linked files keep one durable content.
//
// Do not mmap files of a powerloss filesystem from the process that
// serves it: a page fault blocks a thread that the Go garbage collector
// then waits for, while the FUSE server that would resolve the fault cannot
// run. Run programs that mmap (bbolt does) in a child process.
//
// Mounting needs /dev/fuse and root (the mount is made with mount(2)
// directly; no fusermount is needed). Require skips a test when that is
// not available, or fails it when the environment variable CI is set.
package powerloss
