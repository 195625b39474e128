package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00"},
		{-5 * time.Second, "00:00"},
		{1400 * time.Millisecond, "00:01"},
		{59600 * time.Millisecond, "01:00"},
		{83 * time.Second, "01:23"},
		{59*time.Minute + 59*time.Second, "59:59"},
		{time.Hour, "1:00:00"},
		{26*time.Hour + 3*time.Minute + 7*time.Second, "26:03:07"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		rate float64
		want string
	}{
		{0, "? img/s"},
		{-1, "? img/s"},
		{1, "1.00 img/s"},
		{2.345, "2.35 img/s"},
		{9.996, "10.0 img/s"},
		{12.34, "12.3 img/s"},
		{99.96, "100 img/s"},
		{1234.5, "1234 img/s"},
		{0.5, "2.00 s/img"},
		{1.0 / 42, "42.0 s/img"},
	}
	for _, tt := range tests {
		if got := formatRate(tt.rate, "img"); got != tt.want {
			t.Errorf("formatRate(%v) = %q, want %q", tt.rate, got, tt.want)
		}
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		done, total int
		want        string
	}{
		{0, 7, "[                    ]"},
		{-3, 7, "[                    ]"},
		{1, 7, "[==>                 ]"},
		{3, 7, "[========>           ]"},
		{6, 7, "[=================>  ]"},
		{7, 7, "[====================]"},
		{9, 7, "[====================]"},
		{1, 1000, "[>                   ]"},
	}
	for _, tt := range tests {
		if got := bar(tt.done, tt.total); got != tt.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tt.done, tt.total, got, tt.want)
		}
	}
}

// clock is a fake time source that tests move by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestPlainLines(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	p := New(&out, 100, "train", Unit("img"), Clock(clk.now), Terminal(false))

	clk.advance(2 * time.Second)
	p.Set(1, "D 0.69", "G 0.71") // first update: printed; no rate yet
	for i := 2; i <= 9; i++ {
		clk.advance(time.Second)
		p.Set(i) // neither 10% nor 30 s: quiet
	}
	clk.advance(time.Second)
	p.Set(10, "D 0.50") // 10% done, 9 s after the first update: 1 img/s, 90 left
	clk.advance(40 * time.Second)
	p.Set(11) // 30 s since the last line
	clk.advance(time.Second)
	p.Set(12)
	clk.advance(4 * time.Second)
	p.Finish()
	p.Finish() // no second line
	p.Set(50)  // ignored after Finish

	want := strings.Join([]string{
		"train   1/100   1% ? img/s 00:02<--:-- D 0.69 G 0.71",
		"train  10/100  10% 1.00 img/s 00:11<01:30 D 0.50",
		"train  11/100  11% 4.90 s/img 00:51<07:16", // 10 img in 49 s, 89 left
		"train  12/100  12% 4.91 s/img 00:56<07:12", // Finish: 11 img in 54 s, 88 left
		"",
	}, "\n")
	if got := out.String(); got != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), "\r") {
		t.Error("plain output contains \\r")
	}
}

func TestTerminalRedraws(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	p := New(&out, 4, "eval", Clock(clk.now), Terminal(true))

	p.Set(0, "loading")
	clk.advance(100 * time.Millisecond)
	p.Set(1) // too soon after the first draw
	clk.advance(time.Second)
	p.Set(2) // 2 items in 1.1 s
	p.Printf("note %d", 7)
	clk.advance(900 * time.Millisecond)
	p.Set(3) // 3 items in 2 s
	clk.advance(100 * time.Millisecond)
	p.Set(4) // too soon, but Finish draws it
	p.Finish()

	l0 := "eval 0/4 [                    ]   0% ? it/s 00:00<--:-- loading"
	l2 := "eval 2/4 [==========>         ]  50% 1.82 it/s 00:01<00:01"
	l3 := "eval 3/4 [===============>    ]  75% 1.50 it/s 00:02<00:01"
	l4 := "eval 4/4 [====================] 100% 1.90 it/s 00:02<00:00"
	want := "\r" + l0 +
		"\r" + l2 + strings.Repeat(" ", len(l0)-len(l2)) +
		"\r" + strings.Repeat(" ", len(l2)) + "\rnote 7\n" + "\r" + l2 +
		"\r" + l3 + "\r" + l4 + "\n"
	if got := out.String(); got != want {
		t.Errorf("terminal output:\n%q\nwant:\n%q", got, want)
	}
}

func TestUnknownTotal(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	p := New(&out, 0, "scan", Unit("file"), Clock(clk.now), Terminal(false), Every(time.Minute))
	p.Set(0)
	clk.advance(30 * time.Second)
	p.Set(300) // within a minute: quiet
	clk.advance(30 * time.Second)
	p.Set(600)
	p.Finish()
	want := "scan 0 ? file/s 00:00\nscan 600 10.0 file/s 01:00\nscan 600 10.0 file/s 01:00\n"
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestDetectsFileIsNotTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if New(f, 10, "x").terminal {
		t.Error("a regular file was taken for a terminal")
	}
	if New(&bytes.Buffer{}, 10, "x").terminal {
		t.Error("a buffer was taken for a terminal")
	}
}

func TestConcurrentUse(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, 400, "par", Terminal(false))
	done := make(chan bool)
	for g := range 4 {
		go func() {
			for i := range 100 {
				p.Set(g*100 + i)
			}
			p.Printf("worker %d done", g)
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
	p.Finish()
	p.Finish()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if n := strings.Count(out.String(), "done\n"); n != 4 {
		t.Errorf("%d worker messages, want 4:\n%s", n, out.String())
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "par ") {
		t.Errorf("last line %q is not the final progress line", last)
	}
}
