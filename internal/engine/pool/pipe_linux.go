package pool

import (
	"os"

	"golang.org/x/sys/unix"
)

// widenPipe asks the kernel for a pipe of 1 MiB, the default
// /proc/sys/fs/pipe-max-size, instead of 64 KiB, so that a segment's
// audio crosses it in a few writes rather than dozens, each a wake-up of
// both processes. It is only a hint: a refusal leaves the pipe as it was.
func widenPipe(f *os.File) {
	unix.FcntlInt(f.Fd(), unix.F_SETPIPE_SZ, 1<<20)
}
