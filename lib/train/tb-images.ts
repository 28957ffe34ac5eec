/**
 * TensorBoard image summaries from tfjs-node, which writes only scalars and histograms: TensorFlow's
 * own `WriteImageSummary` kernel called through the binding on the writer tfjs-node opened, so the
 * events land in the same file, PNG-encoded by TensorFlow (lossless), as `tf.summary.image` writes
 * them. Grey (`c = 1`) and colour (`c = 3` or `4`) grids.
 */
import { tf, type Tensor, type Tensor3D } from '../backend';
import type { NativeBackend } from './fast-ops';

/** A tfjs-node summary writer (`tf.node.summaryFileWriter`): its TensorFlow resource handle. */
export interface SummaryWriterHandle { resourceHandle: Tensor }

/**
 * Writes `grid` (uint8 values 0-255 as an int32 tensor `[h, w, c]`, c = 1, 3 or 4, e.g. from
 * `imageGrid`) as the image summary `tag` at `step` (TensorBoard shows it as `<tag>/image`, TensorFlow's name for a single image).
 *
 * @throws Error off the native backend, or for a grid that is not `[h, w, 1|3|4]`.
 */
export function writeImageSummary(writer: SummaryWriterHandle, tag: string, grid: Tensor3D, step: number): void {
  const [, , c] = grid.shape;
  if (grid.rank !== 3 || ![1, 3, 4].includes(c)) throw new Error(`Expected an image grid [h, w, 1|3|4]; got shape [${grid.shape.join(', ')}].`);
  if (!Number.isInteger(step) || step < 0) throw new Error(`Expected a non-negative integer step; got ${step}.`);
  const be = tf.backend() as unknown as NativeBackend;
  const B = be.binding;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { Int64Scalar } = require('@tensorflow/tfjs-node/dist/int64_tensors') as { Int64Scalar: new (v: number) => unknown };
  const toUint8 = (t: Tensor) => be.executeSingleOutput('Cast', [
    { name: 'SrcT', type: B.TF_ATTR_TYPE, value: B.TF_INT32 }, { name: 'DstT', type: B.TF_ATTR_TYPE, value: B.TF_UINT8 },
    { name: 'Truncate', type: B.TF_ATTR_BOOL, value: false }], [t]);
  tf.tidy(() => {
    const pixels = toUint8(tf.clipByValue(grid.toInt(), 0, 255).expandDims(0));
    const badColor = toUint8(tf.tensor1d([255, 0, 0, 255], 'int32'));
    be.executeMultipleOutputs('WriteImageSummary', [
      { name: 'max_images', type: B.TF_ATTR_INT, value: 1 }, { name: 'T', type: B.TF_ATTR_TYPE, value: B.TF_UINT8 },
    ], [writer.resourceHandle, new Int64Scalar(step) as Tensor, tf.scalar(tag, 'string'), pixels, badColor], 0);
  });
}
