package kernels

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTune (temporary): best-of-R timing of kernel configs, interleaved.
// TUNE="path:kc:mc:nc,..." TUNE_N=1024 TUNE_R=10 TUNE_MODE=serial|parallel
func TestTune(t *testing.T) {
	spec := os.Getenv("TUNE")
	if spec == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("TUNE_N"))
	rounds, _ := strconv.Atoi(os.Getenv("TUNE_R"))
	strat := serialStrategy
	if os.Getenv("TUNE_MODE") == "parallel" {
		strat = autoStrategy
	}
	r := rand.New(rand.NewPCG(1, 1))
	x, y, z := randSlice(r, n*n), randSlice(r, n*n), make([]float32, n*n)
	var kerns []microKernel
	for _, s := range strings.Split(spec, ",") {
		f := strings.Split(s, ":")
		k := *kernelByName(f[0])
		k.kc, _ = strconv.Atoi(f[1])
		k.mc, _ = strconv.Atoi(f[2])
		k.nc, _ = strconv.Atoi(f[3])
		kerns = append(kerns, k)
	}
	best := make([]time.Duration, len(kerns))
	for range rounds {
		for i := range kerns {
			st := time.Now()
			sgemm(&kerns[i], strat, false, false, n, n, n, 1, x, n, y, n, 0, z, n)
			if d := time.Since(st); best[i] == 0 || d < best[i] {
				best[i] = d
			}
		}
	}
	idx := make([]int, len(kerns))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return best[idx[a]] < best[idx[b]] })
	for _, i := range idx {
		k := kerns[i]
		fmt.Printf("%-10s kc=%4d mc=%4d nc=%5d  %6.1f GFLOP/s\n", k.name, k.kc, k.mc, k.nc, 2*float64(n*n*n)/best[i].Seconds()/1e9)
	}
}
