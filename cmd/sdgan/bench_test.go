//go:build unix

package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"sdgan/bench"
)

// bench --rounds repeats the comparison: a table per round, then the summary over rounds; --json carries every
// round and the summary. It runs the built binary: bench times each measure in a child process of its own
// executable, which in-process would be this test binary.
func TestBenchRounds(t *testing.T) {
	bin := buildSdgan(t)
	args := []string{"bench", "--measures", "generate64", "--reps", "1", "--warmup", "0", "--rounds", "2", "--torch", "none"}
	out, err := exec.Command(bin, args...).Output()
	if stdout := string(out); err != nil || strings.Count(stdout, "generate64") != 3 || !strings.Contains(stdout, "round 2") ||
		!strings.Contains(stdout, "over 2 rounds") {
		t.Fatalf("bench --rounds 2: %v\n%s", err, stdout)
	}
	out, err = exec.Command(bin, append(args, "--json")...).Output()
	var res struct {
		Results []bench.Result   `json:"results"`
		Rounds  [][]bench.Result `json:"rounds"`
		Summary []bench.Summary  `json:"summary"`
	}
	if err != nil || json.Unmarshal(out, &res) != nil {
		t.Fatalf("bench --rounds 2 --json: %v\n%s", err, out)
	}
	if len(res.Results) != 1 || len(res.Rounds) != 2 || len(res.Summary) != 1 || res.Summary[0].Measure != "generate64" ||
		res.Summary[0].SdganS <= 0 {
		t.Fatalf("bench --rounds 2 --json: %+v", res)
	}
}
