// Package terminal reads the keyboard of the terminal the UI runs in, so
// that round trips to $EDITOR leak no descriptors (see Terminal). It is
// built for Linux; elsewhere Open says errors.ErrUnsupported and Bubble
// Tea reads its own input.
package terminal
