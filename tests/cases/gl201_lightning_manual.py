"""With automatic optimization off, what training_step returns is only logged: a loss summed over
the step's inner loop keeps every inner iteration's graph. With it on, Lightning backpropagates it."""
import lightning as L
import torch
import torch.nn.functional as F


class FiberFlow(L.LightningModule):
    def __init__(self, decoder, fibers):
        super().__init__()
        self.decoder = decoder
        self.fibers = fibers
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        avg_loss = torch.zeros(1)
        for fiber in range(self.fibers):
            log_prob = self.decoder(batch[fiber])
            loss = -F.logsigmoid(log_prob)
            opt.zero_grad()
            self.manual_backward(loss.mean())
            opt.step()
            avg_loss += loss.sum()  # expect: GL201
        return {"loss": avg_loss}


class SummedFlow(L.LightningModule):
    def __init__(self, decoder, fibers):
        super().__init__()
        self.decoder = decoder
        self.fibers = fibers

    def training_step(self, batch, batch_idx):
        # quiet: Lightning backpropagates the returned sum, which needs every fiber's graph
        total = torch.zeros(1)
        for fiber in range(self.fibers):
            total += -F.logsigmoid(self.decoder(batch[fiber])).sum()
        return {"loss": total}
