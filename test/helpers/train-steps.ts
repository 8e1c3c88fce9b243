// n iterations of a trainer plus its flush: every record the n iterations made, in order (a
// trainer holds each iteration's record back until the next one's device read completes it).
interface Stepping<R> {
  step(): Promise<R | undefined>;
  flush(): Promise<R | undefined>;
}

export async function trainSteps<R>(t: Stepping<R>, n: number): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < n; i++) {
    const r = await t.step();
    if (r) out.push(r);
  }
  const last = await t.flush();
  if (last) out.push(last);
  return out;
}
