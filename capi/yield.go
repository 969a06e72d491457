package main

import "runtime"

func yield() { runtime.Gosched() }
