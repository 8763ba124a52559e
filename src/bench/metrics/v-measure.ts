export interface VMeasure {
  homogeneity: number;
  completeness: number;
  v_measure: number;
}

/**
 * V-measure (beta = 1) of a clustering against gold labels, as scikit-learn computes it from the
 * contingency table with natural logarithms: homogeneity = I(C;K)/H(C), completeness = I(C;K)/H(K),
 * each 1 when its entropy is 0, and their harmonic mean (0 when both are 0).
 */
export function vMeasure(
  gold: readonly (string | number)[],
  predicted: readonly (string | number)[],
): VMeasure {
  if (gold.length !== predicted.length)
    throw new Error(`vMeasure: lengths differ (${gold.length} vs ${predicted.length})`);
  const n = gold.length;
  const classes = indexLabels(gold);
  const clusters = indexLabels(predicted);
  const classCount = new Array<number>(classes.size).fill(0);
  const clusterCount = new Array<number>(clusters.size).fill(0);
  const joint = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const c = classes.index[i];
    const k = clusters.index[i];
    classCount[c]++;
    clusterCount[k]++;
    const cell = c * clusters.size + k;
    joint.set(cell, (joint.get(cell) ?? 0) + 1);
  }
  const entropy = (counts: number[]) => counts.reduce((h, c) => h - (c / n) * Math.log(c / n), 0);
  const hClass = entropy(classCount);
  const hCluster = entropy(clusterCount);
  let mutual = 0;
  for (const [cell, c] of joint) {
    const a = classCount[Math.floor(cell / clusters.size)];
    const b = clusterCount[cell % clusters.size];
    mutual += (c / n) * Math.log((c * n) / (a * b));
  }
  const homogeneity = hClass === 0 ? 1 : mutual / hClass;
  const completeness = hCluster === 0 ? 1 : mutual / hCluster;
  const v_measure =
    homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);
  return { homogeneity, completeness, v_measure };
}

function indexLabels(labels: readonly (string | number)[]): { index: number[]; size: number } {
  const ids = new Map<string | number, number>();
  const index = labels.map((l) => {
    let i = ids.get(l);
    if (i === undefined) ids.set(l, (i = ids.size));
    return i;
  });
  return { index, size: ids.size };
}
