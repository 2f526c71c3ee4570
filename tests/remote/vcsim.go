// SPDX-License-Identifier: MIT
// vcsim.go --- VMware's vCenter/ESXi simulator (govmomi's simulator
// package) on 127.0.0.1 for the remote clone tests.  It serves the
// vSphere API, HttpNfcLease uploads and the datastores' /folder URLs, and
// keeps a copy of every uploaded body (the simulator itself discards them).
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"crypto/tls"

	"github.com/vmware/govmomi/simulator"
)

func colons(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("%02X", c)
	}
	return strings.Join(s, ":")
}

// capture tees a request body into a file named after the lease and the
// device, renamed into place once the whole body has arrived.
type capture struct {
	io.ReadCloser
	f    *os.File
	path string
	err  error
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if n > 0 {
		if _, werr := c.f.Write(p[:n]); werr != nil {
			c.err = werr
		}
	}
	if err == io.EOF && c.err == nil {
		c.f.Close()
		os.Rename(c.path+".part", c.path)
		c.err = io.EOF
	}
	return n, err
}

// dropWriter cuts the first GET under /folder/ that passes a given number
// of bytes, once, to test that downloads resume.
type dropWriter struct {
	http.ResponseWriter
	left    int64
	hj      http.Hijacker
	dropped *int32
}

func (d *dropWriter) Write(p []byte) (int, error) {
	if atomic.LoadInt32(d.dropped) != 0 {
		return d.ResponseWriter.Write(p)
	}
	if int64(len(p)) < d.left {
		n, err := d.ResponseWriter.Write(p)
		d.left -= int64(n)
		return n, err
	}
	// The rest of the allowance, pushed out, then the connection shut.
	n, _ := d.ResponseWriter.Write(p[:d.left])
	if f, ok := d.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	atomic.StoreInt32(d.dropped, 1)
	if conn, _, err := d.hj.Hijack(); err == nil {
		conn.Close()
	}
	return n, io.ErrClosedPipe
}

// slowReader and slowWriter pass at most rate bytes a second, so that a
// test can stop the server in the middle of a transfer.
type slowReader struct {
	io.ReadCloser
	rate int64
}

func (s *slowReader) Read(p []byte) (int, error) {
	if int64(len(p)) > s.rate/10 {
		p = p[:s.rate/10]
	}
	time.Sleep(100 * time.Millisecond)
	return s.ReadCloser.Read(p)
}

type slowWriter struct {
	http.ResponseWriter
	rate int64
}

func (s *slowWriter) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		n := len(p) - done
		if int64(n) > s.rate/10 {
			n = int(s.rate / 10)
		}
		time.Sleep(100 * time.Millisecond)
		m, err := s.ResponseWriter.Write(p[done : done+n])
		done += m
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// leaseAnswer is the property a failing or stuck lease shows, for a
// RetrieveProperties of an HttpNfcLease's state or error; "" otherwise.
func leaseAnswer(mode, body string) string {
	if !strings.Contains(body, "<type>HttpNfcLease</type>") {
		return ""
	}
	val := ""
	switch {
	case strings.Contains(body, "<pathSet>state</pathSet>") && mode == "error":
		val = `<name>state</name><val xsi:type="HttpNfcLeaseState">error</val>`
	case strings.Contains(body, "<pathSet>state</pathSet>"):
		val = `<name>state</name><val xsi:type="HttpNfcLeaseState">initializing</val>`
	case strings.Contains(body, "<pathSet>error</pathSet>"):
		val = `<name>error</name><val xsi:type="LocalizedMethodFault"><fault xsi:type="SystemError">` +
			`<reason>simulated</reason></fault><localizedMessage>no space left on the ` +
			`datastore (simulated)</localizedMessage></val>`
	default:
		return ""
	}
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ` +
		`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
		`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
		`<RetrievePropertiesResponse xmlns="urn:vim25"><returnval>` +
		`<obj type="HttpNfcLease">lease</obj><propSet>` + val + `</propSet></returnval>` +
		`</RetrievePropertiesResponse></soapenv:Body></soapenv:Envelope>`
}

func main() {
	mode := flag.String("mode", "esx", "esx or vpx")
	listen := flag.String("listen", "127.0.0.1:0", "address")
	user := flag.String("user", "root", "user name")
	pass := flag.String("password", "secret", "password")
	dir := flag.String("capture", ".", "where uploaded bodies are kept")
	info := flag.String("info", "", "file to write url, thumbprints, datastore dir to")
	dropAfter := flag.Int64("drop-after", 0, "cut the first /folder/ download after this many bytes")
	refuse := flag.Bool("refuse-uploads", false, "answer every upload with 500 after reading a little of it")
	lease := flag.String("lease", "", "error: leases fail; stuck: leases never get ready")
	folders := flag.Int("folders", 0, "put the datacenters in this many folders (vpx)")
	throttle := flag.Int64("throttle", 0, "bytes a second for uploads and /folder/ downloads (0: no limit)")
	flag.Parse()

	var model *simulator.Model
	if *mode == "vpx" {
		model = simulator.VPX()
	} else {
		model = simulator.ESX()
	}
	model.Folder = *folders
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	model.Service.TLS = new(tls.Config)
	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*user, *pass)}
	s := model.Service.NewServer()
	defer s.Close()

	var seq int64
	var dropped int32
	inner := s.Server.Config.Handler
	s.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if *refuse && strings.HasPrefix(r.URL.Path, "/nfc/") {
			io.CopyN(io.Discard, r.Body, 65536)
			http.Error(w, "the disk stream is not valid", http.StatusInternalServerError)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/nfc/") && (r.Method == "PUT" || r.Method == "POST") {
			n := atomic.AddInt64(&seq, 1)
			p := filepath.Join(*dir, fmt.Sprintf("upload-%d-%s", n, filepath.Base(r.URL.Path)))
			f, err := os.Create(p + ".part")
			if err != nil {
				log.Fatal(err)
			}
			r.Body = &capture{ReadCloser: r.Body, f: f, path: p}
		}
		if *dropAfter > 0 && r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/folder/") &&
			atomic.LoadInt32(&dropped) == 0 {
			if hj, ok := w.(http.Hijacker); ok {
				w = &dropWriter{ResponseWriter: w, left: *dropAfter, hj: hj, dropped: &dropped}
			}
		}
		if *lease != "" && r.URL.Path == "/sdk" && r.Method == "POST" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if answer := leaseAnswer(*lease, string(body)); answer != "" {
				w.Header().Set("Content-Type", "text/xml; charset=utf-8")
				io.WriteString(w, answer)
				return
			}
		}
		if r.URL.Path == "/vcsim-test/vms" {
			for _, vm := range simulator.Map.All("VirtualMachine") {
				fmt.Fprintln(w, vm.(*simulator.VirtualMachine).Name)
			}
			return
		}
		if *throttle > 0 && (strings.HasPrefix(r.URL.Path, "/nfc/") ||
			strings.HasPrefix(r.URL.Path, "/folder/")) {
			r.Body = &slowReader{ReadCloser: r.Body, rate: *throttle}
			w = &slowWriter{ResponseWriter: w, rate: *throttle}
		}
		inner.ServeHTTP(w, r)
	})

	cert := s.Certificate()
	sum := sha256.Sum256(cert.Raw)
	var dsdir string
	if ds := simulator.Map.Any("Datastore"); ds != nil {
		dsdir = ds.(*simulator.Datastore).Info.GetDatastoreInfo().Url
	}
	text := fmt.Sprintf("url=%s\nhost=%s\nsha1=%s\nsha256=%s\ndatastore=%s\n",
		s.URL.String(), s.URL.Host, s.CertificateInfo().ThumbprintSHA1,
		colons(sum[:]), dsdir)
	if *info != "" {
		if err := os.WriteFile(*info+".tmp", []byte(text), 0644); err != nil {
			log.Fatal(err)
		}
		os.Rename(*info+".tmp", *info)
	} else {
		fmt.Print(text)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
