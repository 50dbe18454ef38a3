package main

import (
	"context"
	"fmt"
	"io"
)

func cmdTest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "stepwise test: not implemented yet")
	return 2
}
