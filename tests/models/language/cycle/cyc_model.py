"""Language test model: an import cycle (cyc_model -> cyc_a -> cyc_b -> cyc_a)."""

from pyfuzz.model import *
from cyc_a import a_func

s = Scenario(name="cycle", actors=[Thread(a_func)])
