/**
 * Generators out of training artefacts (kept as the import path of `generatorFromCheckpoint`;
 * the implementation is `./run-artifacts`, shared with evaluation and resume).
 */
export { generatorFromCheckpoint, type RunGenerator } from './run-artifacts';
