package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// engineMemoryEnv carries the engine hosts' memory limit from the server
// to them.
const engineMemoryEnv = "TTSC_ENGINE_MEMORY_MB"

// limitMemory bounds this engine host's data memory (heap and anonymous
// mappings, RLIMIT_DATA) to what engineMemoryEnv says, so a text that
// sends an engine's C code into endless allocation ends this host, which
// the pool replaces, instead of the machine's memory.
func limitMemory() error {
	v := os.Getenv(engineMemoryEnv)
	if v == "" {
		return nil
	}
	mb, err := strconv.ParseUint(v, 10, 64)
	if err != nil || mb == 0 {
		return fmt.Errorf("%s=%q is not a positive number of MiB", engineMemoryEnv, v)
	}
	lim := &syscall.Rlimit{Cur: mb << 20, Max: mb << 20}
	return syscall.Setrlimit(syscall.RLIMIT_DATA, lim)
}
