package main

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// ownPackage is the prefix of ttsc's own functions in a profile.
const ownPackage = "github.com/openttsc/ttsc/"

// plumbing are ttsc's functions that every query of the database passes
// through, River's as well as ttsc's: time below them is charged to the
// code that made the query.
var plumbing = []string{
	ownPackage + "internal/store/sqlitestore.(*stmtConn)",
	ownPackage + "internal/store/sqlitestore.(*stmtRows)",
}

// asks reports whether f is a function of ttsc's own that time spent
// below it is charged to.
func asks(f string) bool {
	return strings.HasPrefix(f, ownPackage) && !slices.ContainsFunc(plumbing, func(p string) bool { return strings.HasPrefix(f, p) })
}

// cpuProfile profiles the server's CPU for about d, from now, and returns
// a function that waits for the profile.
func (s *server) cpuProfile(d time.Duration) func() (*profile.Profile, error) {
	type result struct {
		p   *profile.Profile
		err error
	}
	done := make(chan result, 1)
	go func() {
		seconds := max(1, int(d.Seconds())-1)
		resp, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debug, seconds))
		if err != nil {
			done <- result{nil, err}
			return
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			done <- result{nil, fmt.Errorf("profile: %s", resp.Status)}
			return
		}
		p, err := profile.Parse(resp.Body)
		done <- result{p, err}
	}()
	return func() (*profile.Profile, error) {
		r := <-done
		return r.p, r.err
	}
}

// share is a function's share of the CPU time of a profile, in percent.
type share struct {
	name string
	pct  float64
}

// hotspots returns the n functions of p that use most CPU time
// themselves, and the n functions of ttsc's own that lead to most of it:
// each sample counts for the innermost ttsc function on its stack, so
// that time spent in libraries, the runtime or the kernel on ttsc's
// behalf is charged to the ttsc code that asked for it, and the rest to
// the function its goroutine began with.
func hotspots(p *profile.Profile, n int) (self, own []share) {
	selfTime, ownTime := map[string]int64{}, map[string]int64{}
	var total int64
	cpu := len(p.SampleType) - 1 // cpu nanoseconds follow the sample count
	for _, s := range p.Sample {
		v := s.Value[cpu]
		total += v
		var frames []string // innermost first
		for _, loc := range s.Location {
			for _, l := range loc.Line { // inlined calls first
				if l.Function != nil {
					frames = append(frames, l.Function.Name)
				}
			}
		}
		if len(frames) == 0 {
			continue
		}
		selfTime[frames[0]] += v
		i := slices.IndexFunc(frames, asks)
		// Time with no ttsc frame goes to the goroutine it ran on: the
		// garbage collector, the HTTP server's own work, River's loops.
		name := "no ttsc frame, in " + frames[len(frames)-1]
		if i >= 0 {
			name = strings.TrimPrefix(frames[i], ownPackage)
		}
		ownTime[name] += v
	}
	return top(selfTime, total, n), top(ownTime, total, n)
}

// top returns the n largest of times as shares of total.
func top(times map[string]int64, total int64, n int) []share {
	var out []share
	for name, v := range times {
		out = append(out, share{name, 100 * float64(v) / float64(max(total, 1))})
	}
	slices.SortFunc(out, func(a, b share) int {
		return cmp.Or(cmp.Compare(b.pct, a.pct), strings.Compare(a.name, b.name))
	})
	return out[:min(n, len(out))]
}

// profileSection writes where the server's CPU time went while a figure
// was measured.
func profileSection(b *strings.Builder, p *profile.Profile) {
	self, own := hotspots(p, 10)
	var cpu int64
	for _, s := range p.Sample {
		cpu += s.Value[len(s.Value)-1]
	}
	fmt.Fprintf(b, "\nServer CPU profile taken during the measurement: the server process used %.2f CPUs over %s (engine hosts are other processes).\n\n",
		float64(cpu)/float64(max(p.DurationNanos, 1)), time.Duration(p.DurationNanos).Round(time.Second))
	b.WriteString("| ttsc function (with what it calls) | CPU | Function (itself) | CPU |\n|---|---|---|---|\n")
	for i := range max(len(self), len(own)) {
		row := [4]string{}
		if i < len(own) {
			row[0], row[1] = "`"+own[i].name+"`", fmt.Sprintf("%.1f%%", own[i].pct)
		}
		if i < len(self) {
			row[2], row[3] = "`"+self[i].name+"`", fmt.Sprintf("%.1f%%", self[i].pct)
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(row[:], " | "))
	}
}
