// Package items is the object-store side of a Distributed Map: the items an
// ItemReader reads (a JSON, JSON Lines, CSV or S3 inventory object, an
// Athena manifest's objects, or the listing of a bucket) and the objects a
// ResultWriter writes, over S3 (NewS3) or a local directory standing in for
// it (Dir).
//
// Readers stream: an object is read a record at a time, so memory does not
// grow with its size. So does the writer: a ResultSpool keeps the result
// records in temporary files, and WriteSpooled writes each result file from
// there (put from a temporary file with a ReaderPutter). Every failure a Map state can catch is a *fault.Error
// named as AWS names it (States.ItemReaderFailed, States.ResultWriterFailed).
//
// # What follows AWS's record
//
// The causes "Attempting to map over non-iterable node." (a JSON object
// that is not an array), "CSV headers cannot contain duplicates." and
// "field MaxItems must be positive", CSV rows shorter or longer than the
// headers, and the order of a CSV item's members are as recorded on AWS.
// That order is the iteration order of a java.util.HashMap (see
// hashMapOrder), which also gives the developer guide's examples of CSV and
// S3 inventory items. listObjectsV2 items, result records, the manifest and
// the Map state's output are as the developer guide shows them.
//
// # Where AWS's record is silent
//
//   - An S3 error reading items (NoSuchKey, NoSuchBucket, AccessDenied) is
//     States.ItemReaderFailed, writing results States.ResultWriterFailed,
//     with S3's message in the AWS SDK for Java 2.x form the aws-sdk
//     integration's recorded errors have ("The specified key does not
//     exist. (Service: S3, Status Code: 404, Request ID: ...)").
//   - listObjectsV2's LastModified is whole seconds since the epoch as a
//     double (written 1.789180622E9), as reported from AWS for a JSONPath
//     machine.
//   - JSON Lines and CSV skip empty lines; a JSONL line is one JSON value.
//   - A CSV backslash before a character other than a backslash, a quote
//     or the delimiter is dropped and the character kept; a quote inside
//     an unquoted field is kept; an unterminated quoted field ends with the
//     object. Bytes that are not UTF-8 become U+FFFD, byte by byte.
//   - GZIP objects are recognised by their first bytes; ZSTD and PARQUET
//     are refused with a clear States.ItemReaderFailed.
//   - A failed, timed-out or aborted child's record has RedriveStatus
//     REDRIVABLE_BY_MAP_RUN and no RedriveStatusReason; a PENDING one holds
//     Input, InputDetails and Status only. Result files are compact JSON;
//     with OutputType JSONL they keep the .json names the guide gives.
package items
