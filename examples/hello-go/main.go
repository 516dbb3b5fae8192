// A Go custom handler. Build it for Azure Functions' Linux workers with:
//
//	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build -o handler .
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"
)

func main() {
	port, ok := os.LookupEnv("FUNCTIONS_CUSTOMHANDLER_PORT")
	if !ok {
		port = "8080"
	}
	mux := http.NewServeMux()
	// enableForwardingHttpRequest is on, so the original /api/... request arrives here.
	mux.HandleFunc("/api/hello", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "world"
		}
		fmt.Fprintf(w, "Hello, %s!\n", name)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	log.Printf("listening on 127.0.0.1:%s", port)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}
