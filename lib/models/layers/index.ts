/** Layers ganbook adds to tfjs-layers (each file registers itself). */
import './spectral-norm';
import './minibatch-stddev';
