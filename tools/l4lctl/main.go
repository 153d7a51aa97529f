// Command l4lctl is the platform's command line: the dev stack, tokens, imports.
package main

func main() {}
