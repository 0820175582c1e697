package resultfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchDir holds the manifest of a simulated bench (harness.Simulation over
// the sim suite of harness/bench_test.go, one repetition of its cell
// slow-at-least-once/count).
const benchDir = "testdata/bench"

func TestReadManifestRefuses(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(benchDir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)/2], "truncated"},
		{"not json", []byte("hello"), "not valid JSON"},
		{"a result file", []byte(`{"schema": 1, "engine": "core"}`), `no "bench_schema" key`},
		{"other version", []byte(`{"bench_schema": 9}`), "bench manifest version 9"},
		{"bad status", []byte(strings.Replace(string(good), `"status": "done"`, `"status": "great"`, 1)), `unknown status "great"`},
		{"file outside", []byte(strings.Replace(string(good), `"file": "count.`, `"file": "../count.`, 1)), "outside the bench directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, ManifestFile), tc.data, 0o644)
			_, err := ReadManifest(d)
			if err == nil || !errors.Is(err, ErrBadResult) || !strings.Contains(err.Error(), filepath.Join(d, ManifestFile)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
	if back, err := ReadManifest(benchDir); err != nil || back.Cells[2].Status != StatusDone {
		t.Errorf("good manifest: %v", err)
	}
}

func FuzzDecodeManifest(f *testing.F) {
	f.Add([]byte(`{"bench_schema": 1, "suite": "x", "cells": [{"id": "a/b", "engine": "a", "workload": "b", "status": "done", "repetitions": [{"index": 1, "done": true, "search": {"sustainable": 5, "probes": [{"role": "probe", "file": "b.a.r1.01-probe-5.json"}]}}]}]}`))
	f.Add([]byte(`{"bench_schema": 1}`))
	f.Add([]byte(`{"bench_schema": "1"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(data)
		if err != nil {
			if !errors.Is(err, ErrBadResult) {
				t.Fatalf("error %v is not ErrBadResult", err)
			}
			return
		}
		for _, c := range m.Cells {
			for _, f := range c.Files() {
				if f != filepath.Base(f) {
					t.Fatalf("accepted file %q", f)
				}
			}
		}
	})
}
