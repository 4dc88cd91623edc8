package main

import (
	"testing"

	"github.com/google/pprof/profile"
)

func TestHotspots(t *testing.T) {
	fn := func(id uint64, name string) *profile.Function { return &profile.Function{ID: id, Name: name} }
	var (
		syscall = fn(1, "syscall.Syscall")
		put     = fn(2, ownPackage+"internal/blob/diskblob.(*Store).Put")
		work    = fn(3, ownPackage+"internal/worker.(*Worker).Work")
		gc      = fn(4, "runtime.gcBgMarkWorker")
		query   = fn(7, ownPackage+"internal/store/sqlitestore.(*stmtConn).QueryContext")
		fetch   = fn(8, "github.com/riverqueue/river.(*producer).dispatchWork")
	)
	loc := func(id uint64, fs ...*profile.Function) *profile.Location {
		l := &profile.Location{ID: id}
		for _, f := range fs {
			l.Line = append(l.Line, profile.Line{Function: f})
		}
		return l
	}
	sample := func(ns int64, locs ...*profile.Location) *profile.Sample {
		return &profile.Sample{Value: []int64{1, ns}, Location: locs}
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		Sample: []*profile.Sample{
			sample(40, loc(1, syscall), loc(2, put), loc(3, work)), // a syscall on Put's behalf
			sample(30, loc(3, work)),
			sample(15, loc(4, gc)),
			sample(10, loc(5, fn(5, "runtime.memmove")), loc(6, fn(6, "net/http.(*conn).serve"))),
			sample(5, loc(1, syscall), loc(7, query), loc(8, fetch)), // River's query through ttsc's driver
		},
	}
	self, own := hotspots(p, 5)
	for _, tt := range []struct {
		name string
		got  []share
		want []share
	}{
		{"OKSelfTimeByLeaf", self, []share{{"syscall.Syscall", 45}, {ownPackage + "internal/worker.(*Worker).Work", 30}, {"runtime.gcBgMarkWorker", 15}, {"runtime.memmove", 10}}},
		{"OKOwnTimeByInnermostTTSCFrameElseGoroutine", own, []share{{"internal/blob/diskblob.(*Store).Put", 40}, {"internal/worker.(*Worker).Work", 30}, {"no ttsc frame, in runtime.gcBgMarkWorker", 15}, {"no ttsc frame, in net/http.(*conn).serve", 10}, {"no ttsc frame, in " + fetch.Name, 5}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != len(tt.want) {
				t.Fatalf("got %v, want %v", tt.got, tt.want)
			}
			for i := range tt.want {
				if tt.got[i] != tt.want[i] {
					t.Errorf("[%d] = %v, want %v", i, tt.got[i], tt.want[i])
				}
			}
		})
	}
}
