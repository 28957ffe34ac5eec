"""Notebook 03's strong DCGAN in Keras 3 on TensorFlow (graph mode via tf.function), as ganbook builds
`dcgan({ generator: { widths: [256, 128], activation: 'relu', refine: 1 },
         discriminator: { widths: [64, 128, 256], norm: 'batch', refine: 1 } })`:
G: Dense 7*7*256, BN, ReLU, reshape 7x7x256; Conv2D 256 k4 s1 'same', BN, ReLU;
   Conv2DTranspose 128 k4 s2 'same', BN, ReLU; Conv2DTranspose 1 k4 s2 'same', tanh.
D: Conv2D 64 k4 s2 'same', LeakyReLU 0.2; Conv2D 128 k4 s2, BN, LeakyReLU 0.2; Conv2D 256 k4 s2
   (7 -> 4), BN, LeakyReLU 0.2; Conv2D 256 k4 s1 'same', BN, LeakyReLU 0.2; flatten; Dense 1.
Non-saturating loss, Adam(2e-4, 0.5, 0.999), the G update reuses the D update's z, and an EMA copy
of every generator weight (moving statistics included, as GanTrainer's `ema`) updated after each
step. (The notebook's lrDecay only scales the learning rates; it is not modelled.) Prints one JSON
line: ms and CPU ms per generator step.
usage: python keras_strong.py [batch] [steps] [ema decay, 0 = off; default 0.9975]"""
import os, sys
from benchcommon import keras_bce_losses, keras_gan_step, keras_params, report, time_steps
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
import keras
from keras import layers

B = int(sys.argv[1]) if len(sys.argv) > 1 else 64
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
EMA = float(sys.argv[3]) if len(sys.argv) > 3 else 0.9975
tf.random.set_seed(0)
g = keras.Sequential([keras.Input((100,)), layers.Dense(7 * 7 * 256), layers.BatchNormalization(), layers.ReLU(),
                      layers.Reshape((7, 7, 256)),
                      layers.Conv2D(256, 4, 1, padding="same"), layers.BatchNormalization(), layers.ReLU(),
                      layers.Conv2DTranspose(128, 4, 2, padding="same"), layers.BatchNormalization(), layers.ReLU(),
                      layers.Conv2DTranspose(1, 4, 2, padding="same", activation="tanh")])
d = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(64, 4, 2, padding="same"), layers.LeakyReLU(0.2),
                      layers.Conv2D(128, 4, 2, padding="same"), layers.BatchNormalization(), layers.LeakyReLU(0.2),
                      layers.Conv2D(256, 4, 2, padding="same"), layers.BatchNormalization(), layers.LeakyReLU(0.2),
                      layers.Conv2D(256, 4, 1, padding="same"), layers.BatchNormalization(), layers.LeakyReLU(0.2),
                      layers.Flatten(), layers.Dense(1)])
oG = keras.optimizers.Adam(2e-4, 0.5, 0.999); oD = keras.optimizers.Adam(2e-4, 0.5, 0.999)
real = tf.random.uniform((B, 28, 28, 1), -1, 1)
ema = [tf.Variable(w) for w in g.weights] if EMA > 0 else []




def ema_update():
    for e, w in zip(ema, g.weights):
        e.assign(e * EMA + w * (1 - EMA))


step = keras_gan_step(tf, g, d, oG, oD, real, *keras_bce_losses(keras, tf), after=ema_update)
ms, cpu, _ = time_steps(step, n, lambda loss: loss.numpy())
report(ms, cpu, impl="keras-tf-" + tf.__version__, device="cpu", batch=B, model="strong-dcgan", nCritic=1, params=keras_params(g, d), ema=EMA)
