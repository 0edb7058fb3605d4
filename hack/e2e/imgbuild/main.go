// Command imgbuild writes a single-layer container image, as a docker-archive
// tarball that `ctr images import` reads, from files on disk. It replaces
// `docker build` for the e2e node, which has no Docker engine: each image the
// operator deploys is a static binary plus a few files.
//
// The layer is reproducible (fixed timestamps, root ownership, sorted
// entries), so the same inputs give the same image ID.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, " ") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// entry is one file or directory of the layer.
type entry struct {
	mode    int64
	dir     bool
	content []byte // files only
}

func main() {
	var tags, files, trees, dirs, contents, entrypoint, cmd, env list
	out := flag.String("o", "", "output tarball")
	workdir := flag.String("workdir", "", "working directory")
	user := flag.String("user", "", "user[:group] the image runs as")
	flag.Var(&tags, "tag", "image reference, exactly as pod specs name it (repeatable)")
	flag.Var(&files, "file", "SRC=DST: copy a file (mode kept) to DST (repeatable)")
	flag.Var(&trees, "tree", "SRC=DST: copy a directory tree to DST (repeatable)")
	flag.Var(&dirs, "dir", "DST=MODE: an empty directory, MODE in octal (repeatable)")
	flag.Var(&contents, "content", "DST=TEXT: a 0644 file with TEXT (repeatable)")
	flag.Var(&entrypoint, "entrypoint", "one entrypoint argument (repeatable)")
	flag.Var(&cmd, "cmd", "one cmd argument (repeatable)")
	flag.Var(&env, "env", "K=V (repeatable)")
	flag.Parse()
	if *out == "" || len(tags) == 0 {
		fmt.Fprintln(os.Stderr, "usage: imgbuild -o OUT.tar -tag REF [-file SRC=DST]... [-entrypoint ARG]...")
		os.Exit(2)
	}
	layer := map[string]entry{}
	err := collect(layer, files, trees, dirs, contents)
	if err == nil {
		err = write(*out, tags, layer, v1.Config{
			Entrypoint: entrypoint,
			Cmd:        cmd,
			Env:        env,
			WorkingDir: *workdir,
			User:       *user,
		})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "imgbuild:", err)
		os.Exit(1)
	}
}

func split(flagName, v string) (string, string, error) {
	a, b, ok := strings.Cut(v, "=")
	if !ok || a == "" || b == "" {
		return "", "", fmt.Errorf("-%s %q: want X=Y", flagName, v)
	}
	return a, b, nil
}

func collect(layer map[string]entry, files, trees, dirs, contents []string) error {
	for _, f := range files {
		src, dst, err := split("file", f)
		if err != nil {
			return err
		}
		if err := addFile(layer, src, dst); err != nil {
			return err
		}
	}
	for _, t := range trees {
		src, dst, err := split("tree", t)
		if err != nil {
			return err
		}
		err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(src, p)
			if err != nil {
				return err
			}
			target := path.Join(dst, filepath.ToSlash(rel))
			if d.IsDir() {
				layer[target] = entry{mode: 0o755, dir: true}
				return nil
			}
			return addFile(layer, p, target)
		})
		if err != nil {
			return fmt.Errorf("copy tree %s: %w", src, err)
		}
	}
	for _, d := range dirs {
		dst, mode, err := split("dir", d)
		if err != nil {
			return err
		}
		m, err := strconv.ParseInt(mode, 8, 32)
		if err != nil {
			return fmt.Errorf("-dir %q: mode: %w", d, err)
		}
		layer[dst] = entry{mode: m, dir: true}
	}
	for _, c := range contents {
		dst, text, err := split("content", c)
		if err != nil {
			return err
		}
		layer[dst] = entry{mode: 0o644, content: []byte(text)}
	}
	// Parents of every entry, so that the runtime never has to invent them.
	for p := range layer {
		for d := path.Dir(p); d != "/" && d != "."; d = path.Dir(d) {
			if _, ok := layer[d]; !ok {
				layer[d] = entry{mode: 0o755, dir: true}
			}
		}
	}
	return nil
}

func addFile(layer map[string]entry, src, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("stat %s: %w", src, err)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		return fmt.Errorf("read %s: %w", src, err)
	}
	layer[dst] = entry{mode: int64(info.Mode().Perm()), content: b}
	return nil
}

func tarLayer(layer map[string]entry) ([]byte, error) {
	names := make([]string, 0, len(layer))
	for p := range layer {
		names = append(names, p)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	for _, p := range names {
		e := layer[p]
		hdr := &tar.Header{Name: strings.TrimPrefix(p, "/"), Mode: e.mode, ModTime: epoch, Format: tar.FormatPAX}
		if e.dir {
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("tar %s: %w", p, err)
		}
		if _, err := tw.Write(e.content); err != nil {
			return nil, fmt.Errorf("tar %s: %w", p, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}

func write(out string, tags []string, layer map[string]entry, cfg v1.Config) error {
	raw, err := tarLayer(layer)
	if err != nil {
		return err
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(raw)), nil
	}, tarball.WithCompressionLevel(gzip.BestSpeed))
	if err != nil {
		return fmt.Errorf("layer: %w", err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		return fmt.Errorf("append layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	cf.Created = v1.Time{Time: time.Unix(0, 0).UTC()}
	cf.Config = cfg
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return fmt.Errorf("set config: %w", err)
	}
	refs := map[name.Tag]v1.Image{}
	for _, t := range tags {
		tag, err := name.NewTag(t)
		if err != nil {
			return fmt.Errorf("-tag %q: %w", t, err)
		}
		refs[tag] = img
	}
	tmp := out + ".tmp"
	if err := tarball.MultiWriteToFile(tmp, refs); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("rename %s: %w", out, err)
	}
	return nil
}
