module github.com/libws/libws/tests/conformance

go 1.26.0

require github.com/libws/libws v0.0.0-00010101000000-000000000000

require (
	github.com/klauspost/compress v1.20.4 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/libws/libws => ../..
