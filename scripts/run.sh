#!/bin/sh
# The main job (make run). Until the sweep lands it prints AlexNet's layers.
set -eu
esim="$1"
"$esim" net --net configs/networks/alexnet.yaml
