package items

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Dir is a local stand-in for S3: the object bucket/key is the file
// Root/<bucket>/<key>, a key's slashes being directories. It implements
// Objects and answers as S3 would: a missing bucket directory is
// NoSuchBucket, a missing file NoSuchKey.
//
// Files are reached through os.Root, so no key (with "..", or through a
// symbolic link) reaches outside Root/<bucket>; keys that cannot name a file
// there ("..", "." or empty segments, NUL bytes, bytes that are not UTF-8)
// are refused. Only regular
// files are objects: listings skip symbolic links and other special files.
// Objects have no versions: a VersionId other than "null" is
// NoSuchVersion. Listings compute each object's ETag, the MD5 of its
// content as S3 gives it for a single-part upload, by reading it.
type Dir struct{ Root string }

// dirPageSize is the number of keys of a listing page, S3's default.
const dirPageSize = 1000

// KeyError reports a key that Dir cannot map to a file.
type KeyError struct {
	Bucket, Key string
	Reason      string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("the key %q of bucket %q cannot be a file: %s", e.Key, e.Bucket, e.Reason)
}

// checkKey reports why key cannot name a file, or nil.
func checkKey(bucket, key string) error {
	bad := func(reason string) error { return &KeyError{Bucket: bucket, Key: key, Reason: reason} }
	if key == "" {
		return bad("it is empty")
	}
	if strings.IndexByte(key, 0) >= 0 {
		return bad("it holds a NUL byte")
	}
	if !utf8.ValidString(key) {
		return bad("it is not UTF-8") // nor could S3 store it
	}
	if filepath.Separator != '/' && strings.ContainsRune(key, filepath.Separator) {
		return bad("it holds the path separator of this system")
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return bad("it has an empty path segment (a leading, trailing or doubled slash)")
		case ".", "..":
			return bad("it has a " + seg + " path segment")
		}
	}
	return nil
}

// checkBucket reports a bucket name that is not one directory name.
func checkBucket(bucket string) error {
	if bucket == "" || bucket == "." || bucket == ".." || strings.ContainsAny(bucket, "/\\\x00") {
		return &S3Error{Code: "InvalidBucketName", Message: "The specified bucket is not valid.", StatusCode: 400}
	}
	return nil
}

// bucket opens the directory of a bucket.
func (d Dir) bucket(name string) (*os.Root, error) {
	if err := checkBucket(name); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(filepath.Join(d.Root, name))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || isNotDir(err) {
			return nil, &S3Error{Code: "NoSuchBucket", Message: msgNoSuchBucket, StatusCode: 404}
		}
		return nil, fmt.Errorf("opening bucket directory %s: %w", name, err)
	}
	return root, nil
}

func isNotDir(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "not a directory")
}

// object opens the bucket of the object bucket/key and returns it with the
// object's name in it, once ctx is live and the key is one the directory
// can hold; the caller closes the bucket.
func (d Dir) object(ctx context.Context, bucket, key string) (*os.Root, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	root, err := d.bucket(bucket)
	if err != nil {
		return nil, "", err
	}
	if err := checkKey(bucket, key); err != nil {
		_ = root.Close()
		return nil, "", err
	}
	return root, filepath.FromSlash(key), nil
}

// Open implements Objects.
func (d Dir) Open(ctx context.Context, bucket, key, versionID string) (io.ReadCloser, error) {
	root, name, err := d.object(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if versionID != "" && versionID != "null" {
		return nil, &S3Error{Code: "NoSuchVersion", Message: msgNoSuchVersion, StatusCode: 404}
	}
	f, err := root.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, &S3Error{Code: "NoSuchKey", Message: msgNoSuchKey, StatusCode: 404}
		}
		return nil, fmt.Errorf("opening s3://%s/%s in %s: %w", bucket, key, d.Root, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("opening s3://%s/%s in %s: %w", bucket, key, d.Root, err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, &S3Error{Code: "NoSuchKey", Message: msgNoSuchKey, StatusCode: 404}
	}
	return f, nil
}

// List implements Objects. A page holds up to 1000 keys; the continuation
// token is opaque.
func (d Dir) List(ctx context.Context, bucket, prefix, continuationToken string) (ListPage, error) {
	root, err := d.bucket(bucket)
	if err != nil {
		return ListPage{}, err
	}
	defer root.Close()
	after := ""
	if continuationToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(continuationToken)
		if err != nil {
			return ListPage{}, &S3Error{Code: "InvalidArgument", Message: "The continuation token provided is incorrect", StatusCode: 400}
		}
		after = string(b)
	}
	// Walk only the directory the prefix's complete segments name.
	start := "."
	if i := strings.LastIndexByte(prefix, '/'); i > 0 {
		start = prefix[:i]
		if checkKey(bucket, start) != nil {
			return ListPage{}, nil // no file can have such a key
		}
	}
	fsys := root.FS()
	var keys []string
	err = fs.WalkDir(fsys, start, func(p string, e fs.DirEntry, err error) error {
		if !utf8.ValidString(p) {
			// No key names it (S3 keys are UTF-8), and fs.FS cannot go in.
			if e != nil && e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
				return nil
			}
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if !e.Type().IsRegular() {
			return nil
		}
		key := path.Clean(p)
		if strings.HasPrefix(key, prefix) && key > after {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return ListPage{}, fmt.Errorf("listing s3://%s/%s in %s: %w", bucket, prefix, d.Root, err)
	}
	sort.Strings(keys) // byte order, which is S3's
	var page ListPage
	if len(keys) > dirPageSize {
		keys = keys[:dirPageSize]
		page.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(keys[len(keys)-1]))
	}
	page.Objects = make([]ObjectInfo, 0, len(keys))
	for _, key := range keys {
		info, err := objectInfo(root, key)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since the walk
			}
			return ListPage{}, fmt.Errorf("listing s3://%s/%s in %s: %w", bucket, prefix, d.Root, err)
		}
		page.Objects = append(page.Objects, info)
	}
	return page, nil
}

// objectInfo describes the file of key.
func objectInfo(root *os.Root, key string) (ObjectInfo, error) {
	f, err := root.Open(filepath.FromSlash(key))
	if err != nil {
		return ObjectInfo{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ObjectInfo{}, err
	}
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{
		Key:          key,
		Size:         st.Size(),
		ETag:         `"` + hex.EncodeToString(h.Sum(nil)) + `"`,
		LastModified: st.ModTime().UTC().Truncate(1e9),
		StorageClass: "STANDARD",
	}, nil
}

// Put implements Objects. It writes a temporary file beside the object and
// renames it, so a reader never sees half an object.
func (d Dir) Put(ctx context.Context, bucket, key string, body []byte) error {
	return d.put(ctx, bucket, key, bytes.NewReader(body))
}

// PutReader implements ReaderPutter: Put from a reader of size bytes.
func (d Dir) PutReader(ctx context.Context, bucket, key string, body io.ReadSeeker, size int64) error {
	return d.put(ctx, bucket, key, io.LimitReader(body, size))
}

// put writes the object from body, through a temporary file beside it.
func (d Dir) put(ctx context.Context, bucket, key string, body io.Reader) error {
	root, name, err := d.object(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer root.Close()
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("writing s3://%s/%s in %s: %w", bucket, key, d.Root, err)
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := name + ".stepwise-tmp-" + hex.EncodeToString(rnd[:])
	if err := writeRootFile(root, tmp, body); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("writing s3://%s/%s in %s: %w", bucket, key, d.Root, err)
	}
	if err := root.Rename(tmp, name); err != nil {
		_ = root.Remove(tmp)
		return fmt.Errorf("writing s3://%s/%s in %s: %w", bucket, key, d.Root, err)
	}
	return nil
}

// Delete implements Deleter: it removes the object's file, and the
// directories above it that it leaves empty (S3 has no directories).
func (d Dir) Delete(ctx context.Context, bucket, key string) error {
	root, name, err := d.object(ctx, bucket, key)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting s3://%s/%s in %s: %w", bucket, key, d.Root, err)
	}
	for dir := filepath.Dir(name); dir != "." && dir != string(filepath.Separator); dir = filepath.Dir(dir) {
		if root.Remove(dir) != nil {
			break // not empty, or gone
		}
	}
	return nil
}

// writeRootFile creates the file name in root with body's bytes.
func writeRootFile(root *os.Root, name string, body io.Reader) error {
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
