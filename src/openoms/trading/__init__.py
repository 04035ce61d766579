"""The broker's trading desk: client orders (tickets), child orders to venues, fills, risk."""
