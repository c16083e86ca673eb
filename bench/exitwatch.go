package main

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// watchExit returns a channel closed when process pid exits. The process
// need not be a child (siphon's UI runs under tmux): Linux signals a
// pidfd readable when its process ends.
func watchExit(pid int) (<-chan struct{}, error) {
	exited := make(chan struct{})
	fd, err := unix.PidfdOpen(pid, 0)
	if errors.Is(err, unix.ESRCH) {
		close(exited) // gone already
		return exited, nil
	}
	if err != nil {
		return nil, fmt.Errorf("watch process %d: %w", pid, err)
	}
	go func() {
		defer close(exited)
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); !errors.Is(err, unix.EINTR) {
				return
			}
		}
	}()
	return exited, nil
}
