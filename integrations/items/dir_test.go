package items

import (
	"io/fs"

	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestDirRefusesEscapes(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "store")
	if err := os.MkdirAll(filepath.Join(base, "b", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(root, "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "other.txt"), []byte("other bucket's sibling"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A symbolic link inside the bucket that points outside it.
	if err := os.Symlink(secret, filepath.Join(base, "b", "link")); err != nil {
		t.Fatal(err)
	}
	d := Dir{Root: base}
	ctx := context.Background()
	for _, key := range []string{"../other.txt", "../../secret.txt", "sub/../../other.txt", "./x", "/abs", "a//b", "", "nul\x00", "sub/"} {
		_, err := d.Open(ctx, "b", key, "")
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Errorf("Open(%q) = %v, want a KeyError", key, err)
		}
		if err := d.Put(ctx, "b", key, []byte("x")); !errors.As(err, &ke) {
			t.Errorf("Put(%q) = %v, want a KeyError", key, err)
		}
	}
	for _, bucket := range []string{"..", ".", "a/b", "", `a\b`} {
		if _, err := d.Open(ctx, bucket, "k", ""); err == nil || IsNotFound(err) {
			t.Errorf("Open in bucket %q = %v, want an invalid bucket", bucket, err)
		}
	}
	// The link leads out of the bucket: os.Root refuses to follow it.
	if rc, err := d.Open(ctx, "b", "link", ""); err == nil {
		b, _ := io.ReadAll(rc)
		rc.Close()
		t.Errorf("Open(link) read %q", b)
	}
	page, err := d.List(ctx, "b", "", "")
	if err != nil || len(page.Objects) != 0 {
		t.Errorf("List = %+v, %v; want no objects (links and directories are not objects)", page, err)
	}
	if b, err := os.ReadFile(secret); err != nil || string(b) != "secret" {
		t.Errorf("secret changed: %q, %v", b, err)
	}
}

func TestDirNotFound(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "b", "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "b", "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "file-not-bucket"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := Dir{Root: root}
	ctx := context.Background()
	code := func(err error) string {
		var se *S3Error
		if errors.As(err, &se) {
			return se.Code
		}
		return "not an S3Error: " + errErr(err)
	}
	for _, tc := range []struct {
		bucket, key, version, want string
	}{
		{"b", "missing", "", "NoSuchKey"},
		{"b", "dir", "", "NoSuchKey"},     // a directory is no object
		{"b", "f/under", "", "NoSuchKey"}, // under a file
		{"b", "dir/deep/x", "", "NoSuchKey"},
		{"nob", "f", "", "NoSuchBucket"},
		{"file-not-bucket", "f", "", "NoSuchBucket"},
		{"b", "f", "3HL4kqtJlcpXroDTDmjVBH40Nrjfkd", "NoSuchVersion"},
	} {
		_, err := d.Open(ctx, tc.bucket, tc.key, tc.version)
		if got := code(err); got != tc.want {
			t.Errorf("Open(%s, %s) = %s, want %s", tc.bucket, tc.key, got, tc.want)
		}
	}
	if rc, err := d.Open(ctx, "b", "f", "null"); err != nil {
		t.Errorf("Open with version null: %v", err)
	} else {
		rc.Close()
	}
	if _, err := d.List(ctx, "nob", "", ""); code(err) != "NoSuchBucket" {
		t.Errorf("List of a missing bucket = %v", err)
	}
	if err := d.Put(ctx, "nob", "k", nil); code(err) != "NoSuchBucket" {
		t.Errorf("Put to a missing bucket = %v", err)
	}
	if _, err := d.List(ctx, "b", "x", "not base64!"); code(err) != "InvalidArgument" {
		t.Errorf("List with a bad token = %v", err)
	}
	// Put makes the directories of a key and replaces what was there.
	for _, body := range []string{"first", "second"} {
		if err := d.Put(ctx, "b", "new/deep/key.json", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "b", "new", "deep", "key.json")); err != nil || string(b) != "second" {
		t.Errorf("put object = %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(root, "b", "new", "deep")); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func errErr(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// FuzzDirKeys: whatever the key, Dir writes inside its bucket's directory
// or refuses, and reads back what it wrote.
func FuzzDirKeys(f *testing.F) {
	for _, k := range []string{"a", "a/b/c.json", "../x", "a/../../x", "/abs", "a//b", ".", "..", "a/./b", "é/ü", "a\\b", "con", "x.stepwise-tmp"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, key string) {
		root := t.TempDir()
		bucketDir := filepath.Join(root, "store", "b")
		if err := os.MkdirAll(bucketDir, 0o755); err != nil {
			t.Fatal(err)
		}
		d := Dir{Root: filepath.Join(root, "store")}
		ctx := context.Background()
		err := d.Put(ctx, "b", key, []byte("body"))
		err2 := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() {
				rel, rerr := filepath.Rel(bucketDir, p)
				if rerr != nil || rel == ".." || len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator) {
					t.Fatalf("key %q wrote %s, outside the bucket", key, p)
				}
			}
			return nil
		})
		if err2 != nil {
			t.Fatal(err2)
		}
		if err != nil {
			return
		}
		rc, err := d.Open(ctx, "b", key, "")
		if err != nil {
			t.Fatalf("key %q written but not read: %v", key, err)
		}
		defer rc.Close()
		if b, _ := io.ReadAll(rc); string(b) != "body" {
			t.Fatalf("key %q read back %q", key, b)
		}
		page, err := d.List(ctx, "b", "", "")
		if err != nil || len(page.Objects) != 1 || page.Objects[0].Key != key {
			t.Fatalf("key %q listed as %+v, %v", key, page.Objects, err)
		}
	})
}

// Delete removes the object, and in a Dir the directories it leaves
// empty, not the other objects; a missing object is no error. Over a Dir
// and over S3 (gofakes3).
func TestDelete(t *testing.T) {
	ctx := context.Background()
	for _, st := range stores(t) {
		t.Run(st.name, func(t *testing.T) {
			st.mkBucket(t, "bkt")
			for _, key := range []string{"run/staged/part-1", "run/staged/part-2", "run/manifest.json"} {
				if err := st.objs.Put(ctx, "bkt", key, []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			d, ok := st.objs.(Deleter)
			if !ok {
				t.Fatalf("%T cannot delete", st.objs)
			}
			for _, key := range []string{"run/staged/part-1", "run/staged/part-2", "run/staged/part-2"} {
				if err := d.Delete(ctx, "bkt", key); err != nil {
					t.Fatalf("delete %s: %v", key, err)
				}
			}
			page, err := st.objs.List(ctx, "bkt", "run/", "")
			if err != nil || len(page.Objects) != 1 || page.Objects[0].Key != "run/manifest.json" {
				t.Fatalf("after the deletes: %+v %v", page.Objects, err)
			}
			if dir, ok := st.objs.(Dir); ok {
				if _, err := os.Stat(filepath.Join(dir.Root, "bkt", "run", "staged")); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("the emptied directory stays: %v", err)
				}
				if err := dir.Delete(ctx, "bkt", "../escape"); err == nil {
					t.Fatal("a key out of the bucket was deleted")
				}
			}
		})
	}
}
