module github.com/libws/libws

go 1.26

require github.com/klauspost/compress v1.20.4
