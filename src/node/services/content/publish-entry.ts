/**
 * What publish() consumes: a stream of files and directories with
 * '/'-separated relative paths (no leading '/', no '.' or '..' segments).
 * Parent directories are implied by their children; list a directory only
 * to publish it empty. `open` may be called twice for a file larger than a
 * chunk (once to hash it and see if it is already published, once to store
 * it) and must give the same `size` bytes each time.
 */
export interface PublishFile {
  path: string
  kind: 'file'
  size: number
  open: () => AsyncIterable<Uint8Array>
}

export interface PublishDirectory {
  path: string
  kind: 'directory'
}

export type PublishEntry = PublishFile | PublishDirectory
