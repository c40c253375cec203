// Command goio does file I/O from 64 goroutines under a directory given as argument and
// prints a deterministic summary: a static Go guest with many threads.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

func main() {
	dir := os.Args[1]
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := filepath.Join(dir, "f"+strconv.Itoa(i))
			want := []byte("data " + strconv.Itoa(i))
			for j := 0; j < 20; j++ {
				if err := os.WriteFile(name, want, 0o644); err != nil {
					errs <- err
					return
				}
				got, err := os.ReadFile(name)
				if err != nil || string(got) != string(want) {
					errs <- fmt.Errorf("read back %s: %q %v", name, got, err)
					return
				}
				if _, err := os.Stat(name); err != nil {
					errs <- err
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("goroutines=64 files=%d\n", len(ents))
}
