// Command ttsc is a self-hosted text-to-speech service with a REST API
// compatible with Huawei Cloud MetaStudio's TTS operations.
//
//	ttsc serve                 run the API and the synthesis workers
//	ttsc credentials create    make a project's access key pair
//	ttsc credentials list      list access keys (never secrets)
//	ttsc credentials delete AK remove an access key
//	ttsc tokens create         make a bearer token for X-Auth-Token
//	ttsc migrate               apply database migrations and exit
//	ttsc say "text"            read text aloud into a WAV or MP3 file
//	ttsc voices                list the voices
//	ttsc engine-host           internal: one engine process of the pool
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `ttsc — a self-hosted text-to-speech service with a MetaStudio-compatible API.

Usage:
  ttsc serve [flags]                  run the API server and synthesis workers
  ttsc credentials create [flags]     create an access key pair (prints JSON once)
  ttsc credentials list [flags]       list access keys, without secrets
  ttsc credentials delete [flags] AK  delete an access key
  ttsc tokens create --project ID     create a token for the X-Auth-Token header
  ttsc migrate [--database URL]       apply database migrations and exit
  ttsc say [flags] "text"             read text aloud into a WAV or MP3 file, no server needed
  ttsc voices [flags]                 list the voices
  ttsc version                        print the version

Run "ttsc COMMAND -h" for the flags of a command. Every flag can also be
set through an environment variable named TTSC_ and the flag name in
upper case with - as _, such as TTSC_DATA=/var/lib/ttsc.
`

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// run executes one command and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stdout, stderr)
	case "engine-host":
		err = runEngineHost(stdin, stdout)
	case "credentials":
		err = runCredentials(ctx, args[1:], stdout, stderr)
	case "tokens":
		err = runTokens(ctx, args[1:], stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], stdout, stderr)
	case "say":
		err = runSay(ctx, args[1:], stdin, stdout, stderr)
	case "voices":
		err = runVoices(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "ttsc", version)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "ttsc: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		switch err {
		case errHelp:
			return 0
		case errUsage:
			return 2
		}
		fmt.Fprintln(stderr, "ttsc:", err)
		return 1
	}
	return 0
}
