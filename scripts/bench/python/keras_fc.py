"""The fully-connected GAN of ganbook's fcGan() in Keras 3 on TensorFlow (graph mode via tf.function):
G 100 -> Dense 256 -> 512 -> 1024 (each LeakyReLU 0.2) -> Dense 784 tanh -> 28x28x1;
D flatten -> Dense 1024 -> 512 -> 256 (each LeakyReLU 0.2 then Dropout 0.3) -> Dense 1 (logit).
Non-saturating loss, Adam(2e-4, 0.5, 0.999) for both, the G update reuses the D update's z (as
ganbook's trainer at nCritic 1). Prints one JSON line: ms and CPU ms per generator step.
usage: python keras_fc.py [batch] [steps]"""
import os, sys
from benchcommon import keras_bce_losses, keras_gan_step, keras_params, report, time_steps
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
import keras
from keras import layers

B = int(sys.argv[1]) if len(sys.argv) > 1 else 64
n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
tf.random.set_seed(0)
g = keras.Sequential([keras.Input((100,)),
                      layers.Dense(256), layers.LeakyReLU(0.2),
                      layers.Dense(512), layers.LeakyReLU(0.2),
                      layers.Dense(1024), layers.LeakyReLU(0.2),
                      layers.Dense(28 * 28, activation="tanh"), layers.Reshape((28, 28, 1))])
d = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                      layers.Dense(1024), layers.LeakyReLU(0.2), layers.Dropout(0.3),
                      layers.Dense(512), layers.LeakyReLU(0.2), layers.Dropout(0.3),
                      layers.Dense(256), layers.LeakyReLU(0.2), layers.Dropout(0.3),
                      layers.Dense(1)])
oG = keras.optimizers.Adam(2e-4, 0.5, 0.999); oD = keras.optimizers.Adam(2e-4, 0.5, 0.999)
real = tf.random.uniform((B, 28, 28, 1), -1, 1)


step = keras_gan_step(tf, g, d, oG, oD, real, *keras_bce_losses(keras, tf))


ms, cpu, _ = time_steps(step, n, lambda loss: loss.numpy())
report(ms, cpu, impl="keras-tf-" + tf.__version__, device="cpu", batch=B, model="fc", nCritic=1, params=keras_params(g, d))
