// Package progress shows how far a long job has got: done/total, a bar, the rate, the time spent and the time
// left, plus free-form fields such as "D 0.69 G 0.71".
//
// On a terminal the line is redrawn in place with \r, at most twice a second. Elsewhere (a file, a pipe, CI
// logs) it prints a plain line at the first update, each time another 10% is done, at least every 30 s (see
// Every), and at the end, so logs stay readable.
//
// A line looks like
//
//	train  300/1000 [=====>              ]  30% 2.00 img/s 02:30<05:50 D 0.69 G 0.71
//
// where 02:30 is the time since New and 05:50 the estimated time left (the bar is left out of plain lines).
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar reports progress on one job to a writer. It is safe for concurrent use. Write errors are ignored:
// progress output is a courtesy, never a reason to fail the job.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	total    int
	label    string
	unit     string
	now      func() time.Time
	terminal bool
	every    time.Duration

	start     time.Time
	base      int       // done at the first Set: the rate counts from there, so a resumed job shows its true speed
	baseTime  time.Time // time of the first Set
	started   bool      // Set was called
	done      int
	fields    string
	lastDraw  time.Time
	lastWidth int // length of the line on screen (terminal), to blank out what a shorter line leaves
	lastTenth int // tenths of total done at the last plain line
	finished  bool
}

// Option changes a Bar's defaults; pass them to New.
type Option func(*Bar)

// Unit names what is counted, for the rate: Unit("img") shows "12.3 img/s". The default is "it".
func Unit(name string) Option { return func(b *Bar) { b.unit = name } }

// Clock replaces time.Now, for tests.
func Clock(now func() time.Time) Option { return func(b *Bar) { b.now = now } }

// Terminal forces terminal mode (\r redraws) on or off instead of detecting it from the writer.
func Terminal(on bool) Option { return func(b *Bar) { b.terminal = on } }

// Every sets the longest time between two plain lines when the writer is not a terminal. The default is 30 s.
func Every(d time.Duration) Option { return func(b *Bar) { b.every = d } }

// redrawInterval is the least time between two redraws on a terminal.
const redrawInterval = 500 * time.Millisecond

// barWidth is the number of characters between the bar's brackets.
const barWidth = 20

// New starts a progress report for total items (total <= 0: unknown, shown without bar, percentage or ETA)
// labelled label, written to w. Terminal mode is on when w is an *os.File on a character device.
func New(w io.Writer, total int, label string, opts ...Option) *Bar {
	b := &Bar{w: w, total: total, label: label, unit: "it", now: time.Now, terminal: isTerminal(w), every: 30 * time.Second}
	for _, opt := range opts {
		opt(b)
	}
	b.start = b.now()
	return b
}

// isTerminal reports whether w is a terminal (a character device, such as a tty).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Set records that done items are finished, with fields (such as "D 0.69", "G 0.71") shown after the numbers,
// and redraws or prints if it is time to. Calls after Finish are ignored.
func (b *Bar) Set(done int, fields ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	now := b.now()
	first := !b.started
	if first {
		b.started, b.base, b.baseTime = true, done, now
	}
	b.done, b.fields = done, strings.Join(fields, " ")

	if b.terminal {
		if first || now.Sub(b.lastDraw) >= redrawInterval {
			b.redraw(now)
		}
		return
	}
	tenth := b.tenths()
	if first || tenth > b.lastTenth || now.Sub(b.lastDraw) >= b.every {
		b.printLine(now)
	}
}

// Printf prints a message on its own line without garbling the bar: on a terminal it clears the bar, prints
// the message and draws the bar again below it. A newline is added if format lacks one.
func (b *Bar) Printf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	if b.terminal && b.lastWidth > 0 {
		fmt.Fprintf(b.w, "\r%s\r%s", strings.Repeat(" ", b.lastWidth), msg)
		b.lastWidth = 0
		if !b.finished {
			b.redraw(b.now())
		}
		return
	}
	io.WriteString(b.w, msg)
}

// Finish shows the final state and ends the line. Later calls do nothing.
func (b *Bar) Finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	now := b.now()
	if b.terminal {
		b.redraw(now)
		io.WriteString(b.w, "\n")
		return
	}
	b.printLine(now)
}

// redraw rewrites the terminal line, blanking whatever a longer previous line left behind.
func (b *Bar) redraw(now time.Time) {
	line := b.line(now, true)
	pad := ""
	if n := len(line); n < b.lastWidth {
		pad = strings.Repeat(" ", b.lastWidth-n)
	}
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.lastDraw, b.lastWidth = now, len(line)
}

// printLine prints a plain line for logs.
func (b *Bar) printLine(now time.Time) {
	fmt.Fprintf(b.w, "%s\n", b.line(now, false))
	b.lastDraw, b.lastTenth = now, b.tenths()
}

// tenths is how many tenths of total are done (0 when the total is unknown).
func (b *Bar) tenths() int {
	if b.total <= 0 {
		return 0
	}
	return min(b.done, b.total) * 10 / b.total
}

// line formats the current state; withBar adds the bar.
func (b *Bar) line(now time.Time, withBar bool) string {
	var s strings.Builder
	s.WriteString(b.label)
	if b.total > 0 {
		width := len(fmt.Sprint(b.total))
		fmt.Fprintf(&s, " %*d/%d", width, b.done, b.total)
		if withBar {
			s.WriteString(" " + bar(b.done, b.total))
		}
		fmt.Fprintf(&s, " %3d%%", min(max(b.done, 0), b.total)*100/b.total)
	} else {
		fmt.Fprintf(&s, " %d", b.done)
	}

	rate := 0.0
	if dt := now.Sub(b.baseTime).Seconds(); dt > 0 && b.started {
		rate = float64(b.done-b.base) / dt
	}
	s.WriteString(" " + formatRate(rate, b.unit))
	s.WriteString(" " + formatDuration(now.Sub(b.start)))
	if b.total > 0 {
		left := "--:--"
		if secs := float64(max(b.total-b.done, 0)) / rate; rate > 0 && secs < 1e8 { // 1e8 s: over 3 years
			left = formatDuration(time.Duration(secs * float64(time.Second)))
		}
		s.WriteString("<" + left)
	}
	if b.fields != "" {
		s.WriteString(" " + b.fields)
	}
	return s.String()
}

// bar draws done out of total as "[=====>      ]", barWidth characters between the brackets.
func bar(done, total int) string {
	filled := min(max(done, 0), total) * barWidth / total
	switch {
	case filled == barWidth:
		return "[" + strings.Repeat("=", barWidth) + "]"
	case done > 0:
		return "[" + strings.Repeat("=", filled) + ">" + strings.Repeat(" ", barWidth-filled-1) + "]"
	default:
		return "[" + strings.Repeat(" ", barWidth) + "]"
	}
}

// formatRate shows a rate with about three significant digits, as "12.3 img/s"; under one item a second it
// shows seconds per item instead ("4.20 s/img"), and "? img/s" before there is anything to measure.
func formatRate(perSecond float64, unit string) string {
	switch {
	case perSecond <= 0:
		return "? " + unit + "/s"
	case perSecond < 1:
		return formatNumber(1/perSecond) + " s/" + unit
	default:
		return formatNumber(perSecond) + " " + unit + "/s"
	}
}

// formatNumber shows x >= 0 with three significant digits, or as a whole number from 100 up.
func formatNumber(x float64) string {
	switch {
	case x >= 99.95:
		return fmt.Sprintf("%.0f", x)
	case x >= 9.995:
		return fmt.Sprintf("%.1f", x)
	default:
		return fmt.Sprintf("%.2f", x)
	}
}

// formatDuration shows d rounded to the second as "mm:ss", or "h:mm:ss" from an hour up.
func formatDuration(d time.Duration) string {
	s := int64(max(d, 0).Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}
