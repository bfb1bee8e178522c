import { targetLocation, wordLocation, type TagRecord } from './tag-record.js'

/** Every location a tag is stored at: one per word, and its target's root chunk id. */
export function locationsOf (r: TagRecord): Buffer[] {
  return [...r.words.map(wordLocation), targetLocation(r.targetId)]
}
