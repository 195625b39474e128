//go:build !(linux || android || darwin || ios || freebsd || netbsd || openbsd || dragonfly)

package runlock

func acquire(path string) (*Lock, error) { return exclAcquire(path) }
