package sqlitestore

import (
	"context"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// wakeDriver is River's SQLite driver with a listener this process can
// wake. SQLite has no LISTEN/NOTIFY, so River's listener looks for new
// notifications every 50 ms; a job this process inserts would wait 25 ms
// on average before a worker saw it. After inserting, the store wakes the
// listener, which then finds the notification at once.
type wakeDriver struct {
	*riversqlite.Driver
	wake chan struct{}
}

func newWakeDriver(d *riversqlite.Driver) *wakeDriver {
	return &wakeDriver{Driver: d, wake: make(chan struct{}, 1)}
}

// Wake tells the listener that a notification was just committed.
func (d *wakeDriver) Wake() {
	select {
	case d.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

// GetListener returns River's listener, wakeable.
func (d *wakeDriver) GetListener(params *riverdriver.GetListenenerParams) riverdriver.Listener {
	return &wakeListener{Listener: d.Driver.GetListener(params), wake: d.wake}
}

type wakeListener struct {
	riverdriver.Listener
	wake <-chan struct{}
}

// WaitForNotification waits like River's listener, but starts looking
// again as soon as it is woken.
func (l *wakeListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	for {
		wctx, cancel := context.WithCancel(ctx)
		woken := make(chan bool, 1)
		go func() {
			select {
			case <-l.wake:
				woken <- true
				cancel()
			case <-wctx.Done():
				woken <- false
			}
		}()
		n, err := l.Listener.WaitForNotification(wctx)
		cancel()
		wasWoken := <-woken
		if err == nil {
			return n, nil
		}
		if ctx.Err() != nil || !wasWoken {
			return nil, err
		}
	}
}
