#!/bin/sh
# Makes the demo station's music (sample/radio/*.mp3): short tunes synthesised
# by ffmpeg's aevalsrc from note patterns written here, so no recording and no
# copyright is involved. Re-run after changing a pattern: ./scripts/make-sample-radio.sh
set -eu
command -v ffmpeg >/dev/null || { echo "ffmpeg is needed: apt-get install ffmpeg" >&2; exit 1; }
out="$(dirname "$0")/../sample/radio"
mkdir -p "$out"

# note EXPR STEP SEMITONES...: an expression giving the frequency of the note
# playing at time t, stepping through the semitones (from A3, 220 Hz) every STEP s.
notes () {
  step=$1; shift
  n=$#; expr="0"; i=0
  for s in "$@"; do expr="$expr+eq(mod(floor(t/$step),$n),$i)*$s"; i=$((i + 1)); done
  echo "220*pow(2,($expr)/12)"
}

# voice FREQ STEP DECAY: a plucked tone (sine plus a softer octave) that fades within each step.
voice () {
  echo "(sin(2*PI*($1)*t)+0.3*sin(4*PI*($1)*t))*exp(-$3*mod(t,$2))"
}

tune () {
  file=$1; title=$2; seconds=$3; expr=$4
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "aevalsrc=exprs='$expr':s=44100:d=$seconds" \
    -af "afade=t=in:d=0.5,afade=t=out:st=$((seconds - 2)):d=2,volume=0.5" \
    -ac 1 -c:a libmp3lame -b:a 64k -metadata title="$title" -metadata artist="Tornet demo" "$out/$file"
  echo "$out/$file: $title"
}

lead=$(notes 0.25 0 4 7 12 7 4 0 -5 2 5 9 14 9 5 2 -3)
bass=$(notes 1 -12 -15 -10 -8)
tune 01-first-light.mp3 "First Light" 30 "0.6*$(voice "$lead" 0.25 6)+0.5*$(voice "$bass" 1 1.5)"

lead=$(notes 0.2 12 10 7 5 7 10 12 15 17 15 12 10)
bass=$(notes 0.8 -12 -17 -14 -19)
tune 02-relay-tree.mp3 "Relay Tree" 28 "0.5*$(voice "$lead" 0.2 8)+0.5*$(voice "$bass" 0.8 2)"

lead=$(notes 0.375 0 3 7 10 12 10 7 3)
pad=$(notes 3 -12 -9 -14 -7)
tune 03-night-signal.mp3 "Night Signal" 24 "0.5*$(voice "$lead" 0.375 3)+0.4*sin(2*PI*($pad)*t)"
