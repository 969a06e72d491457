module github.com/libws/libws/bench/go

go 1.26.0

replace github.com/libws/libws => ../..

require (
	github.com/coder/websocket v1.8.15
	github.com/gobwas/ws v1.5.0
	github.com/gorilla/websocket v1.5.3
	github.com/libws/libws v0.0.0-00010101000000-000000000000
	github.com/lxzan/gws v1.8.9
	golang.org/x/sys v0.50.0
)

require (
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/gobwas/httphead v0.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
)
