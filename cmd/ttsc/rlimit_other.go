//go:build !linux

package main

// engineMemoryEnv carries the engine hosts' memory limit from the server
// to them.
const engineMemoryEnv = "TTSC_ENGINE_MEMORY_MB"

// limitMemory is a no-op where RLIMIT_DATA is not available.
func limitMemory() error { return nil }
