// Command l4lctl is the platform's command line: the dev stack, tokens, imports.
package main

import "os"

func main() { os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr)) }
