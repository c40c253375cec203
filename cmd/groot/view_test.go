package main

import (
	"reflect"
	"testing"

	"github.com/groot-sandbox/groot/config"
)

type cfgView struct{ *config.Config }

func (c *cfgView) want(t *testing.T, cmd0, argv0 string, rest []string, cwd string) {
	t.Helper()
	if c.Command[0] != cmd0 || c.Argv0 != argv0 || c.Cwd != cwd || !reflect.DeepEqual(append([]string{}, c.Command[1:]...), append([]string{}, rest...)) {
		t.Errorf("command %q argv0 %q cwd %q; want %q %q %q %q", c.Command, c.Argv0, c.Cwd, cmd0, argv0, rest, cwd)
	}
}
