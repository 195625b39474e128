package interrupt

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestWaitReturnsResult(t *testing.T) {
	v, err := Wait(context.Background(), func() (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("Wait = %d, %v; want 7, nil", v, err)
	}
	want := errors.New("bad file")
	if _, err := Wait(context.Background(), func() (int, error) { return 0, want }); err != want {
		t.Fatalf("Wait error = %v, want %v", err, want)
	}
}

// A cancelled context ends the wait at once, even while f is blocked.
func TestWaitStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	block := make(chan struct{})
	defer close(block)
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err := Wait(ctx, func() (int, error) { <-block; return 1, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Wait took %v after the cancel", d)
	}
}
