module github.com/groot-sandbox/groot

go 1.26.0

require (
	github.com/spf13/pflag v1.1.0
	golang.org/x/arch v0.32.0
	golang.org/x/sys v0.50.0
)
