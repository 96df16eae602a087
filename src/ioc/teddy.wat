;; The candidate filter of src/ioc/byte-lines.ts: a "Teddy" search (the SIMD multi-literal filter of Hyperscan and
;; ripgrep) over raw log bytes, 16 at a time. Each literal is represented by a fingerprint of three bytes and placed
;; in one of eight buckets. For the bytes at p, p+1 and p+2, two 16-entry tables per position (indexed by the low and
;; the high nibble) give the buckets whose fingerprint could be there; the AND of the six lookups says which buckets
;; may start a literal at p. Positions with a bucket left are candidates, checked exactly by the caller. The same pass
;; counts line feeds. Linear: every block of 16 bytes is visited once, with a fixed number of instructions.
;;
;; Memory: tables at 0 (lo0 hi0 lo1 hi1 lo2 hi2, 16 bytes each); results from OUT: (block start, lane mask, line
;; feeds before the block) as three i32 each, at most CAP of them per call; the caller's data anywhere above, with 16
;; readable bytes after the end.
;; Rebuild src/ioc/teddy-wasm.ts after a change: npm run build:wasm (tests/ioc/teddy-wasm.test.ts checks it).
(module
  (memory (export "mem") 20)
  (global $found (export "found") (mut i32) (i32.const 0))
  (global $lines (export "lines") (mut i32) (i32.const 0))

  ;; Scans [$at, $end): writes a result for each block with candidates (lanes past $end masked off) and adds the line
  ;; feeds to $lines. Returns where it stopped: $end, or the start of a block it had no room to report (call again
  ;; from there after reading the results; $found says how many).
  (func (export "scan") (param $at i32) (param $end i32) (result i32)
    (local $v v128) (local $v1 v128) (local $v2 v128) (local $m v128) (local $nib v128)
    (local $lf v128) (local $valid i32) (local $hits i32) (local $out i32)
    (local $lo0 v128) (local $hi0 v128) (local $lo1 v128) (local $hi1 v128) (local $lo2 v128) (local $hi2 v128)
    (local.set $lo0 (v128.load (i32.const 0)))
    (local.set $hi0 (v128.load (i32.const 16)))
    (local.set $lo1 (v128.load (i32.const 32)))
    (local.set $hi1 (v128.load (i32.const 48)))
    (local.set $lo2 (v128.load (i32.const 64)))
    (local.set $hi2 (v128.load (i32.const 80)))
    (local.set $nib (v128.const i8x16 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15 15))
    (local.set $lf (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10))
    (global.set $found (i32.const 0))
    (local.set $out (i32.const 128))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $valid
          (if (result i32) (i32.ge_u (i32.sub (local.get $end) (local.get $at)) (i32.const 16))
            (then (i32.const 0xffff))
            (else (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $end) (local.get $at))) (i32.const 1)))))
        (local.set $v (v128.load (local.get $at)))
        (local.set $v1 (v128.load offset=1 (local.get $at)))
        (local.set $v2 (v128.load offset=2 (local.get $at)))
        ;; Written out three times: V8 (Node 20) does not inline wasm calls, and a call here halves the speed.
        (local.set $m
          (v128.and
            (v128.and
              (v128.and
                (i8x16.swizzle (local.get $lo0) (v128.and (local.get $v) (local.get $nib)))
                (i8x16.swizzle (local.get $hi0) (i8x16.shr_u (local.get $v) (i32.const 4))))
              (v128.and
                (i8x16.swizzle (local.get $lo1) (v128.and (local.get $v1) (local.get $nib)))
                (i8x16.swizzle (local.get $hi1) (i8x16.shr_u (local.get $v1) (i32.const 4)))))
            (v128.and
              (i8x16.swizzle (local.get $lo2) (v128.and (local.get $v2) (local.get $nib)))
              (i8x16.swizzle (local.get $hi2) (i8x16.shr_u (local.get $v2) (i32.const 4))))))
        (if (v128.any_true (local.get $m))
          (then
            (local.set $hits
              (i32.and (local.get $valid)
                (i8x16.bitmask (i8x16.ne (local.get $m) (v128.const i32x4 0 0 0 0)))))
            (if (local.get $hits)
              (then
                (if (i32.ge_u (global.get $found) (i32.const 4096)) (then (return (local.get $at))))
                (i32.store (local.get $out) (local.get $at))
                (i32.store offset=4 (local.get $out) (local.get $hits))
                (i32.store offset=8 (local.get $out) (global.get $lines))
                (local.set $out (i32.add (local.get $out) (i32.const 12)))
                (global.set $found (i32.add (global.get $found) (i32.const 1)))))))
        (global.set $lines
          (i32.add (global.get $lines)
            (i32.popcnt
              (i32.and (local.get $valid)
                (i8x16.bitmask (i8x16.eq (local.get $v) (local.get $lf)))))))
        (local.set $at (i32.add (local.get $at) (i32.const 16)))
        (br $block)))
    (local.get $end))
)
