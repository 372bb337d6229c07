import lightning as L
import pytorch_lightning as pl
import torch.nn.functional as F


class Lit(L.LightningModule):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self.net(x)
        extra = self.net(x * 2)  # expect: GL102
        self.print(extra.argmax(1).tolist())
        return F.cross_entropy(logits, y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val_loss", F.cross_entropy(self.net(x), y))

    def test_step(self, batch, batch_idx):
        x, y = batch
        self.net.eval()
        return self.net(x).argmax(1)

    def predict_step(self, batch, batch_idx):
        self.eval()
        return self(batch)


class OldStyle(pl.LightningModule):
    def validation_step(self, batch, batch_idx):
        self.eval()
        return self(batch[0]).argmax(1)
